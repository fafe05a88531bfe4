"""Behind nginx: X-Forwarded-* honoured only when configured; static URLs versioned by content."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import request, url_for

from app.serving import StaticVersions

FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
BEHIND_NGINX = {"PROXY_FIX_X_FOR": 1, "PROXY_FIX_X_PROTO": 1}


def seen_by_the_app(client, headers: dict) -> tuple[str, str, bool]:
    """(external URL of the feed, client address, secure?) as the app saw one request."""
    with client:
        client.get("/healthz", headers=headers)
        return url_for("main.index", _external=True), request.remote_addr, request.is_secure


def test_forwarded_headers_are_ignored_by_default(app, client):
    url, address, secure = seen_by_the_app(client, FORWARDED)
    assert url == "http://localhost/"
    assert address == "127.0.0.1"
    assert secure is False


def test_forwarded_headers_are_honoured_when_configured(app, client):
    app.config.update(BEHIND_NGINX)
    url, address, secure = seen_by_the_app(client, FORWARDED)
    assert url == "https://localhost/"
    assert address == "203.0.113.9"
    assert secure is True


def test_only_the_address_added_by_the_trusted_proxy_counts(app, client):
    # A client may send its own X-Forwarded-For; nginx appends the real address to it.
    app.config.update(BEHIND_NGINX)
    _url, address, _secure = seen_by_the_app(
        client, {"X-Forwarded-For": "10.0.0.1, 198.51.100.20", "X-Forwarded-Proto": "https"}
    )
    assert address == "198.51.100.20"


def test_forwarded_host_is_honoured_only_when_configured(app, client):
    headers = {**FORWARDED, "X-Forwarded-Host": "exchange.example.org"}
    app.config.update(BEHIND_NGINX)
    assert seen_by_the_app(client, headers)[0] == "https://localhost/"
    app.config["PROXY_FIX_X_HOST"] = 1
    assert seen_by_the_app(client, headers)[0] == "https://exchange.example.org/"


def test_secure_cookies_follow_the_forwarded_scheme(app, client):
    app.config.update(BEHIND_NGINX)
    # Over https Flask-WTF also wants a same-site Referer, as a browser sends.
    headers = {**FORWARDED, "Referer": "https://localhost/preferences"}
    response = client.post(
        "/preferences/language", data={"lang": "fr", "next": "/"}, headers=headers
    )
    assert response.status_code == 302
    [lang] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("lang=")]
    assert "Secure" in lang


def fail_login(client, email: str, forwarded_for: str) -> int:
    response = client.post(
        "/auth/login",
        data={"email": email, "password": "certainly not it 1"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


@pytest.mark.parametrize("behind_proxy", [True, False])
def test_login_failure_limit_counts_the_forwarded_address_only_when_configured(
    app, client, behind_proxy
):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = "3 per minute"
    if behind_proxy:
        app.config.update(BEHIND_NGINX)
    # Different accounts each time, so that only the per-address limit can refuse.
    codes = [fail_login(client, f"nobody{i}@example.org", "198.51.100.7") for i in range(3)]
    assert codes == [422, 422, 422]
    assert fail_login(client, "nobody3@example.org", "198.51.100.7") == 429
    other_address = fail_login(client, "nobody4@example.org", "198.51.100.8")
    # Behind the proxy another client has its own counter; without it, the header is
    # the client's word and everybody shares the proxy's (here the test client's) address.
    assert other_address == (422 if behind_proxy else 429)


# -- static files ------------------------------------------------------------------------------


def test_static_urls_carry_a_hash_of_the_file(app, client):
    page = client.get("/").get_data(as_text=True)
    css = Path(app.static_folder, "css", "app.css").read_bytes()
    digest = hashlib.sha256(css).hexdigest()[:12]
    assert f"/static/css/app.css?v={digest}" in page
    [href] = re.findall(r'href="(/static/css/app\.css\?v=[^"]+)"', page)
    response = client.get(href)
    assert response.status_code == 200
    assert response.data == css


def test_the_version_changes_when_the_file_changes(tmp_path):
    versions = StaticVersions(str(tmp_path))
    (tmp_path / "app.css").write_text("body { color: black }")
    first = versions("app.css")
    assert first == versions("app.css")
    (tmp_path / "app.css").write_text("body { color: navy; }")
    second = versions("app.css")
    assert second and second != first
    assert versions("missing.css") is None
