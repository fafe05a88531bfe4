"""Forms tie every error to its field, and the first invalid field takes the focus on load."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.exchanges.helpers import make_exchange
from tests.practices.helpers import make_practice


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order, and the text of each id."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text_of: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v if v is not None else "") for k, v in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.text_of.setdefault(attributes["id"], "")
            self._open.append(attributes["id"])
        elif tag not in ("input", "br", "meta", "link", "img"):
            self._open.append("")

    def handle_endtag(self, tag):
        if self._open and tag not in ("input", "br", "meta", "link", "img"):
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.text_of[element_id] += data


def check_errors_are_tied(html: str, expected_invalid: set[str]) -> Elements:
    """The invariants of an invalid form, checked on the page as served."""
    page = Elements()
    page.feed(html)
    ids = {a["id"] for _, a in page.tags if "id" in a}
    invalid = [a for _, a in page.tags if a.get("aria-invalid") == "true"]
    invalid_names = {a.get("name") for a in invalid}
    assert expected_invalid <= invalid_names, (expected_invalid, invalid_names)
    for attributes in invalid:
        described = attributes.get("aria-describedby", "").split()
        errors = [d for d in described if d.endswith("-error")]
        assert errors, f"{attributes.get('name')} has no error in aria-describedby"
        for error_id in errors:
            assert error_id in ids, f"{error_id} is not on the page"
            assert page.text_of[error_id].strip(), f"{error_id} is empty"
    focused = [a for _, a in page.tags if "autofocus" in a]
    assert len(focused) == 1, f"{len(focused)} elements with autofocus"
    assert focused[0] is invalid[0], "the focus is not on the first invalid field"
    summaries = [a for _, a in page.tags if a.get("id") == "error-summary"]
    assert len(summaries) == 1 and summaries[0].get("role") == "alert"
    summary_links = [
        a["href"][1:]
        for _, a in page.tags
        if a.get("href", "").startswith("#") and a["href"] not in ("#main",)
    ]
    for target in summary_links:
        assert target in ids, f"the summary links to #{target}, which is not on the page"
    for attributes in invalid:
        if attributes.get("type") in ("checkbox", "radio") and not attributes["id"].endswith("-0"):
            continue
        assert attributes["id"] in summary_links, f"no summary link to #{attributes['id']}"
    return page


def test_register(client):
    response = client.post(
        "/auth/register",
        data={"name": "", "email": "not an address", "password": "short", "timezone": "UTC"},
    )
    assert response.status_code == 422
    check_errors_are_tied(
        response.get_data(as_text=True), {"name", "email", "password", "password_confirm"}
    )


def test_practice_form(login_as, users, themes):
    response = login_as("official").post(
        "/practices/new", data={"title": "x", "summary": "", "action": "save"}
    )
    assert response.status_code == 422
    page = check_errors_are_tied(response.get_data(as_text=True), {"title", "summary", "themes"})
    # The group of theme checkboxes: each option says it is invalid and points at the message.
    boxes = [a for _, a in page.tags if a.get("name") == "themes"]
    assert boxes and all(a.get("aria-invalid") == "true" for a in boxes)
    assert all(a.get("aria-describedby") == "themes-error" for a in boxes)


def test_exchange_form(login_as, users, city):
    response = login_as("official").post(
        "/exchanges/new",
        data={
            "title": "",
            "host_city": str(city.id),
            "invited_cities": ["999999"],
            "timezone": "Europe/Rome",
            "starts_at": "",
            "duration_minutes": "90",
            "video_url": "http://example.org/room",
            "capacity": "0",
        },
    )
    assert response.status_code == 422
    check_errors_are_tied(
        response.get_data(as_text=True),
        {"title", "invited_cities", "starts_at", "video_url", "capacity"},
    )


@pytest.mark.parametrize("subject", ["practice", "exchange"])
def test_comment_form(app, login_as, users, themes, city, subject):
    if subject == "practice":
        path = f"/practices/{make_practice(app, users['official'].id)}/comments"
    else:
        path = f"/exchanges/{make_exchange(app, users['official'].id, city.id)}/comments"
    response = login_as("participant").post(path, data={"body": ""})
    assert response.status_code == 422
    check_errors_are_tied(response.get_data(as_text=True), {"body"})


def test_report_form(app, login_as, users, themes):
    practice = make_practice(app, users["official"].id)
    response = login_as("participant").post(f"/practices/{practice}/report", data={})
    assert response.status_code == 422
    page = check_errors_are_tied(response.get_data(as_text=True), {"reason"})
    first = next(a for _, a in page.tags if a.get("name") == "reason")
    assert "autofocus" in first


def test_delete_account_form(login_as, users):
    response = login_as("participant").post("/account/delete", data={})
    assert response.status_code == 422
    check_errors_are_tied(response.get_data(as_text=True), {"current_password", "understood"})


def test_a_valid_page_has_no_autofocus_and_no_invalid_field(client):
    page = Elements()
    page.feed(client.get("/auth/register").get_data(as_text=True))
    assert not [a for _, a in page.tags if "autofocus" in a or "aria-invalid" in a]
