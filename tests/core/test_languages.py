"""Every language of the partner cities: a catalogue, the page in it, Babel's formats for it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from config import Config
from tests.exchanges.helpers import at, make_exchange

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = list(Config.LANGUAGES)
TRANSLATED = [code for code in LANGUAGES if code != "en"]
# The languages of the cities in the demo data (issue #9).
EXPECTED = {"en", "fr", "de", "es", "it", "zh", "ko", "id"}


def _catalogue(code: str):
    with (ROOT / "translations" / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _translation(code: str, msgid: str) -> str:
    message = _catalogue(code).get(msgid)
    assert message is not None and message.string, (code, msgid)
    return message.string


@pytest.fixture(autouse=True)
def _fresh_translations(app):
    from app.extensions import babel

    with app.app_context():
        babel.domain_instance.cache.clear()


def test_the_configured_languages_are_those_of_the_partner_cities():
    assert set(LANGUAGES) == EXPECTED
    on_disk = {p.parts[-3] for p in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po")}
    assert on_disk == set(TRANSLATED)


@pytest.mark.parametrize("code", TRANSLATED)
def test_a_page_is_rendered_in_the_chosen_language(app, client, code):
    client.set_cookie("lang", code)
    body = client.get("/auth/login").get_data(as_text=True)
    tag = app.config["HTML_LANG"].get(code, code)
    assert f'<html lang="{tag}"' in body
    assert f"<h1>{_translation(code, 'Log in')}</h1>" in body
    assert _translation(code, "Password") in body  # a lazy form label
    if _translation(code, "Log in") != "Log in":
        assert "<h1>Log in</h1>" not in body


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_switcher_names_each_language_in_itself(client, code):
    client.set_cookie("lang", code)
    body = client.get("/").get_data(as_text=True)
    for other, label in Config.LANGUAGES.items():
        assert f'<option value="{other}" lang="' in body
        assert f">{label}</option>" in body or f"selected>{label}</option>" in body


@pytest.mark.parametrize("code", TRANSLATED)
def test_accept_language_picks_the_language(client, code):
    region = {"zh": "zh-CN", "ko": "ko-KR", "id": "id-ID"}.get(code, f"{code}-XX")
    body = client.get("/auth/login", headers={"Accept-Language": f"{region},en;q=0.5"})
    assert f"<h1>{_translation(code, 'Log in')}</h1>" in body.get_data(as_text=True)


@pytest.mark.parametrize("code", LANGUAGES)
def test_countries_numbers_and_dates_come_from_babel(app, client, users, city, code):
    """The city list names countries, and an exchange page gives its time, in the language."""
    client.set_cookie("lang", code)
    client.set_cookie("tz", "Asia/Seoul")
    locale = Locale.parse(code)
    cities = client.get("/cities/").get_data(as_text=True)
    assert locale.territories["IT"] in cities

    starts = at(2026, 3, 29, 8)  # the day Rome moves to summer time
    exchange_id = make_exchange(app, users["official"].id, city.id, starts_at=starts)
    page = client.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    seoul = format_datetime(starts, "full", tzinfo=ZoneInfo("Asia/Seoul"), locale=code)
    rome = format_datetime(starts, "full", tzinfo=ZoneInfo("Europe/Rome"), locale=code)
    assert seoul in page, seoul
    assert rome in page, rome
    assert format_decimal(2873000, locale=code) == format_decimal(2873000, locale=locale)


def test_html_lang_tags_are_valid_bcp47(app):
    for code in LANGUAGES:
        tag = app.config["HTML_LANG"].get(code, code)
        assert Locale.parse(tag.replace("-", "_"))


def test_formats_differ_between_languages():
    """A guard on the test above: Babel really formats differently per language."""
    when = datetime(2026, 3, 29, 8, tzinfo=ZoneInfo("UTC"))
    assert len({format_datetime(when, "medium", locale=code) for code in LANGUAGES}) > 5
