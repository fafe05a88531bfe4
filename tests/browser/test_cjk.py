"""The feed in Chinese and Korean: every glyph comes from a real CJK font (no boxes), the
right regional font for each language, and screenshots to look at.

Set UX_SCREENSHOTS=<folder> to keep the screenshots (the closing notes quote them)."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.practices.helpers import make_practice

TEXT = {
    "zh": "广州社区口罩分发与健康码",
    "ko": "광주 시민 마스크 나눔과 선별진료소",
}
# Which of Debian's Noto CJK faces should draw each language (fonts-noto-cjk).
FACE = {"zh": "Noto Sans CJK SC", "ko": "Noto Sans CJK KR"}


@pytest.fixture
def cjk_practices(app, users, themes):
    for title in TEXT.values():
        make_practice(app, users["other_official"].id, title=title, summary=title)


def _fonts_for(cdp, selector: str) -> list[dict]:
    document = cdp.send("DOM.getDocument", {"depth": -1})
    node = cdp.send(
        "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector}
    )
    assert node["nodeId"], selector
    return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]


@pytest.mark.parametrize("code", ["zh", "ko"])
def test_feed_in_cjk_draws_every_glyph_with_a_cjk_font(
    browser, site, cjk_practices, code, tmp_path
):
    context = browser.new_context(locale=code)
    context.add_cookies([{"name": "lang", "value": code, "url": site}])
    page = context.new_page()
    page.goto(f"{site}/")
    assert page.locator("html").get_attribute("lang") == {"zh": "zh-Hans"}.get(code, code)
    cdp = context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")

    # The practice title in that language, and the translated page heading.
    title = page.locator("article.practice-card :is(h2, h3) a", has_text=TEXT[code])
    assert title.count() == 1
    title.evaluate("el => el.setAttribute('data-probe', '1')")
    fonts = _fonts_for(cdp, "[data-probe]")
    cjk = [f for f in fonts if "CJK" in f["familyName"]]
    assert cjk, fonts
    assert sum(f["glyphCount"] for f in cjk) >= sum(1 for ch in TEXT[code] if ord(ch) > 0x2E80)
    assert cjk[0]["familyName"].startswith(FACE[code]), fonts

    heading = _fonts_for(cdp, "main h1")
    assert any("CJK" in f["familyName"] for f in heading), heading
    assert all(f["familyName"] for f in heading), heading

    shot = tmp_path / f"feed-{code}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("UX_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(shot, os.path.join(keep, shot.name))
    context.close()
