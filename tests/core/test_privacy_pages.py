"""The privacy notice and the accessibility statement: linked everywhere, filled from the
configuration, and the cookie list is the truth."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest

from tests.conftest import CSRFClient
from tests.exchanges.helpers import make_exchange
from tests.helpers import link_in
from tests.practices.helpers import make_practice


class RecordingClient(CSRFClient):
    """A test client that notes the name of every cookie any answer sets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cookie_names: set[str] = set()

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        for header in response.headers.getlist("Set-Cookie"):
            self.cookie_names.update(SimpleCookie(header).keys())
        return response


def listed_cookies(client) -> set[str]:
    page = client.get("/privacy").get_data(as_text=True)
    return set(re.findall(r'<code class="cookie-name">([^<]+)</code>', page))


def test_cookies_set_in_the_main_journeys_are_exactly_those_listed(
    app, users, themes, city, outbox
):
    practice = make_practice(app, users["official"].id)
    exchange = make_exchange(app, users["official"].id, city.id)

    def new_client():
        return RecordingClient(app, app.response_class, use_cookies=True)

    seen: set[str] = set()
    # A visitor browses, changes language and time zone.
    visitor = new_client()
    for path in ("/", "/practices/", f"/practices/{practice}", "/exchanges/", "/privacy"):
        assert visitor.get(path).status_code == 200
    visitor.post("/preferences/language", data={"lang": "fr", "next": "/"})
    visitor.post("/preferences/timezone", data={"tz": "Asia/Seoul", "next": "/"})
    seen |= visitor.cookie_names

    # Someone registers, confirms, logs in with "remember me", takes part, and leaves.
    person = new_client()
    person.post(
        "/auth/register",
        data={
            "name": "Giulia Verdi",
            "email": "giulia@example.org",
            "password": "a long 42 password",
            "password_confirm": "a long 42 password",
            "city": "",
            "timezone": "UTC",
            "locale": "en",
        },
    )
    person.get(link_in(outbox()[-1].text, "/auth/confirm/"))
    login = person.post(
        "/auth/login",
        data={"email": "giulia@example.org", "password": "a long 42 password", "remember": "y"},
    )
    assert login.status_code == 302
    person.csrf_token = None
    assert person.get("/account").status_code == 200
    assert person.post("/themes/health/follow").status_code == 302
    assert person.post(f"/exchanges/{exchange}/register").status_code == 302
    assert (
        person.post(f"/practices/{practice}/comments", data={"body": "Thanks!"}).status_code == 302
    )
    assert person.post("/account/export").status_code == 200
    assert person.post("/auth/logout").status_code == 302
    person.csrf_token = None
    person.post(
        "/auth/login",
        data={"email": "giulia@example.org", "password": "a long 42 password"},
    )
    person.csrf_token = None
    deleted = person.post(
        "/account/delete",
        data={"current_password": "a long 42 password", "understood": "y"},
    )
    assert deleted.status_code == 302
    seen |= person.cookie_names

    # An official shares a practice.
    official = new_client()
    official.post(
        "/auth/login",
        data={"email": users["official"].email, "password": users["official"].password},
    )
    official.csrf_token = None
    official.post(
        "/practices/new",
        data={
            "title": "Night buses",
            "summary": "More buses at night.",
            "themes": ["health"],
            "action": "save",
        },
    )
    seen |= official.cookie_names

    assert "remember_token" in seen and "lang" in seen
    assert seen == listed_cookies(new_client())


def test_footer_links_to_privacy_and_accessibility_on_every_kind_of_page(client, login_as, users):
    pages = [client.get(p) for p in ("/", "/auth/login", "/practices/", "/no-such-page")]
    pages.append(login_as("participant").get("/account"))
    for response in pages:
        text = response.get_data(as_text=True)
        assert 'href="/privacy"' in text and 'href="/accessibility"' in text, response.request.path


def test_privacy_page_names_the_configured_operator_and_contacts(app, client):
    default = client.get("/privacy").get_data(as_text=True)
    assert "the organisation that runs this site" in default
    assert "privacy@urban-exchange.example" in default
    app.config.update(
        OPERATOR_NAME="City of Mannheim",
        OPERATOR_ADDRESS="Rathaus E 5, 68159 Mannheim",
        PRIVACY_CONTACT="datenschutz@mannheim.example",
        DPO_CONTACT="dpo@mannheim.example",
    )
    page = client.get("/privacy").get_data(as_text=True)
    for text in (
        "City of Mannheim",
        "Rathaus E 5",
        "datenschutz@mannheim.example",
        "dpo@mannheim.example",
        "no cookie banner",
        "Only the organiser of an exchange and the moderators see who signed up",
        "organised by a former member",
    ):
        assert text in page, text


def test_accessibility_statement_follows_the_model_structure(app, client):
    app.config.update(
        OPERATOR_NAME="City of Granada",
        ACCESSIBILITY_CONTACT="accesibilidad@granada.example",
        ACCESSIBILITY_ENFORCEMENT_BODY="Observatorio de Accesibilidad Web",
        ACCESSIBILITY_ENFORCEMENT_URL="https://enforcement.example/es",
        ACCESSIBILITY_STATEMENT_DATE="2026-11-30",
    )
    page = client.get("/accessibility").get_data(as_text=True)
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", page)
    assert headings == [
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
        "Feedback and contact information",
        "Enforcement procedure",
    ]
    assert "City of Granada is committed" in page
    assert "Directive (EU) 2016/2102" in page
    assert "November 30, 2026" in page
    assert "accesibilidad@granada.example" in page
    assert 'href="https://enforcement.example/es">Observatorio de Accesibilidad Web</a>' in page


@pytest.mark.parametrize("path", ["/privacy", "/accessibility"])
def test_notices_are_translated(client, path):
    client.post("/preferences/language", data={"lang": "fr", "next": "/"})
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert ("Cookies" in page and "Vos droits" in page) or "Déclaration d" in page
