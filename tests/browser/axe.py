"""axe-core in the page under test: fail with a readable list of WCAG 2.1 A/AA violations."""

from __future__ import annotations

from axe_playwright_python.base import AXE_SCRIPT

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """Run axe on the current document and return its violations (axe's own dicts).

    The script is evaluated rather than added as a <script> tag: our CSP refuses the tag.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate(
        "(options) => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return results["violations"]


def format_violations(violations: list[dict]) -> str:
    """One block per rule: id, impact, help, then each failing node's target and summary."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  <{v.get('helpUrl', '')}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page) -> None:
    """Fail the test with every WCAG 2.1 AA violation axe finds on the page."""
    violations = axe_violations(page)
    assert not violations, (
        f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {page.url}:\n"
        + format_violations(violations)
    )


STRUCTURE_SCRIPT = """() => {
    const ids = {};
    for (const el of document.querySelectorAll('[id]')) ids[el.id] = (ids[el.id] || 0) + 1;
    return {
        duplicateIds: Object.keys(ids).filter((id) => ids[id] > 1),
        h1: [...document.querySelectorAll('h1')].map((h) => h.innerText.trim()),
        title: document.title,
        mains: document.querySelectorAll('main').length,
    };
}"""


def title_problem(facts: dict) -> str | None:
    """What is wrong with the title in STRUCTURE_SCRIPT's facts ("Page · Site"), or None."""
    page_name, _, site_name = facts["title"].rpartition(" · ")
    if not page_name or page_name.isdigit() or not site_name:
        return f"title {facts['title']!r} names no page"
    return None


REFLOW_SCRIPT = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
        const box = el.getBoundingClientRect();
        return box.right > width + 1 && !el.closest('.table-scroll');
    });
    return {scroll: document.documentElement.scrollWidth, width,
            wide: wide.slice(0, 5).map((el) => el.tagName.toLowerCase()
                  + (el.id ? '#' + el.id : '')
                  + (el.className ? '.' + el.className : ''))};
}"""


def reflow_problem(page, narrow_width: int = 320) -> dict | None:
    """Whether the page scrolls sideways at `narrow_width` CSS pixels (WCAG 1.4.10): what
    sticks out, or None."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": narrow_width, "height": 800})
    try:
        overflow = page.evaluate(REFLOW_SCRIPT)
    finally:
        page.set_viewport_size(viewport)
    if overflow["scroll"] <= overflow["width"] and not overflow["wide"]:
        return None
    return overflow


def assert_sound_structure(page, narrow_width: int = 320) -> None:
    """What axe's WCAG rules leave out: unique ids, one h1, a title that names the page,
    one main landmark, and reflow at 320 CSS pixels without sideways scrolling (1.4.10)."""
    facts = page.evaluate(STRUCTURE_SCRIPT)
    assert facts["duplicateIds"] == [], f"duplicate ids on {page.url}: {facts['duplicateIds']}"
    assert len(facts["h1"]) == 1 and facts["h1"][0], f"h1 elements on {page.url}: {facts['h1']}"
    assert title_problem(facts) is None, title_problem(facts)
    assert facts["mains"] == 1, f"{facts['mains']} main landmarks on {page.url}"
    overflow = reflow_problem(page, narrow_width)
    assert overflow is None, f"{page.url} scrolls sideways at {narrow_width}px: {overflow}"
