"""Error pages, JSON errors under /api/, CSRF refusals, security headers, cookies, config."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.conftest import login


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "This page does not exist" in response.get_data(as_text=True)


def test_api_404_is_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and error["message"]


def test_api_405_is_json(tmp_path):
    # The API arrives later; a route of its own shows how its errors look.
    api_app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'api.sqlite'}")
    api_app.add_url_rule("/api/v1/ping", "ping", lambda: {"ok": True}, methods=["GET"])
    c = api_app.test_client()
    assert c.get("/api/v1/ping").get_json() == {"ok": True}
    response = c.delete("/api/v1/ping")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_html_405(client):
    response = client.post("/healthz", csrf=False)
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "This method is not allowed here." in response.get_data(as_text=True)


def test_post_without_csrf_token_is_a_clear_400(client, users):
    response = client.post(
        "/auth/login",
        data={"email": users["participant"].email, "password": users["participant"].password},
        csrf=False,
    )
    assert response.status_code == 400
    assert "The form expired or was sent from elsewhere" in response.get_data(as_text=True)


def test_post_with_a_forged_csrf_token_is_a_clear_400(client):
    response = client.post("/auth/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert "The form expired or was sent from elsewhere" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/auth/login", "/auth/register", "/account", "/no/such/page"]
)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")


def test_security_headers_on_signed_in_and_error_pages(login_as):
    c = login_as("participant")
    for path in ("/account", "/moderation/"):
        response = c.get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]


def _set_cookie_headers(response, name):
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def test_session_and_remember_cookies_are_httponly_and_lax(client, users):
    response = login(client, users["participant"], remember=True)
    for name in ("session", "remember_token"):
        [header] = _set_cookie_headers(response, name)
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header


def test_language_cookie_is_httponly_and_lax(client):
    response = client.post("/preferences/language", data={"lang": "fr", "next": "/"})
    [header] = _set_cookie_headers(response, "lang")
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert '<html lang="fr"' in client.get("/").get_data(as_text=True)


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_production_uses_the_secret_key_it_is_given(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "a-real-production-secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    app = create_app("production")
    assert app.config["SECRET_KEY"] == "a-real-production-secret"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'prod.sqlite'}"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_unexpected_error_is_a_500_page_without_traceback(tmp_path):
    broken = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite'}")

    def explode():
        raise RuntimeError("secret internals")

    broken.add_url_rule("/explode", "explode", explode)
    broken.add_url_rule("/api/v1/explode", "api_explode", explode)
    c = broken.test_client()
    page = c.get("/explode")
    assert page.status_code == 500
    body = page.get_data(as_text=True)
    assert "Something went wrong on our side." in body
    assert "secret internals" not in body and "Traceback" not in body
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    api = c.get("/api/v1/explode")
    assert api.status_code == 500
    assert api.get_json()["error"]["code"] == "internal_error"


def test_too_many_attempts_page_says_when_to_come_back(client, users):
    for attempt in range(10):
        client.post(
            "/auth/login", data={"email": users["admin"].email, "password": f"nope {attempt}x"}
        )
    response = client.post(
        "/auth/login", data={"email": users["admin"].email, "password": "nope again"}
    )
    assert response.status_code == 429
    assert "Too many attempts. Please try again in 15 minutes." in response.get_data(as_text=True)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example"])
def test_switchers_never_redirect_off_the_site(client, target):
    response = client.post("/preferences/language", data={"lang": "fr", "next": target})
    assert response.status_code == 302 and response.location == "/"
    response = client.post("/preferences/timezone", data={"tz": "UTC", "next": target})
    assert response.status_code == 302 and response.location == "/"
    page = client.get("/preferences", query_string={"next": target}).get_data(as_text=True)
    nexts = re.findall(r'name="next"[^>]*value="([^"]*)"', page)
    nexts += re.findall(r'value="([^"]*)"[^>]*name="next"', page)
    # The switchers go home; the footer's own form returns to this very page.
    assert nexts.count("/") == 2
    assert all(n == "/" or n.startswith("/preferences?") for n in nexts), nexts


def test_nul_in_a_query_string_is_dropped(client):
    for path in ("/practices/?q=ma%00sks", "/exchanges/?theme=a%00b", "/cities/?q=%00", "/?q=%00"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert 'value="masks"' in client.get("/practices/?q=ma%00sks").get_data(as_text=True)


def test_nul_in_a_form_is_dropped_and_the_rest_is_kept(client):
    client.fetch_csrf()
    response = client.post(
        "/auth/register",
        data={"name": "Ana\x00 Lopez", "email": "bad\x00", "password": "short"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="Ana Lopez"' in page
