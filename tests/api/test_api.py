"""The JSON API: reads, tokens, writes, errors, open data; every answer checked against the
OpenAPI document the app serves."""

from __future__ import annotations

import csv
import io
import re
import threading

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from app.extensions import db
from app.models import ApiToken, Registration
from tests.exchanges.helpers import make_exchange, register, statuses
from tests.practices.helpers import make_practice


class Api:
    """A client that checks each JSON answer against /api/v1/openapi.json."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        document = client.get("/api/v1/openapi.json").get_json()
        self.document = document
        self.registry = Registry().with_resource(
            "urn:openapi",
            Resource.from_contents(
                document,
                default_specification=__import__(
                    "referencing.jsonschema", fromlist=["DRAFT202012"]
                ).DRAFT202012,
            ),
        )

    def _schema_for(self, path: str, method: str, status: int):
        for template, operations in self.document["paths"].items():
            pattern = "^/api/v1" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
            if re.match(pattern, path.split("?")[0]):
                operation = operations.get(method)
                assert operation is not None, f"{method} {template} is not documented"
                response = operation["responses"].get(str(status))
                assert response is not None, f"{status} is not documented for {method} {template}"
                return response.get("content", {}).get("application/json", {}).get("schema")
        raise AssertionError(f"{path} is not documented")

    def call(self, method: str, path: str, **kwargs):
        if method == "post":
            kwargs["csrf"] = False
        response = getattr(self.client, method)(path, headers=self.headers, **kwargs)
        assert response.mimetype == "application/json" or response.status_code == 204, (
            response.status_code,
            response.data[:200],
        )
        schema = self._schema_for(path, method, response.status_code)
        if schema is not None:
            resolved = (
                {"$ref": "urn:openapi#/components/schemas/" + schema["$ref"].rsplit("/", 1)[1]}
                if "$ref" in schema
                else dict(schema)
            )
            if "$ref" not in schema:
                resolved = _rebase(schema)
            Draft202012Validator(resolved, registry=self.registry).validate(response.get_json())
        return response

    def get(self, path, **kwargs):
        return self.call("get", path, **kwargs)

    def post(self, path, **kwargs):
        return self.call("post", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("delete", path, **kwargs)


def _rebase(schema):
    if isinstance(schema, dict):
        return {k: ("urn:openapi" + v if k == "$ref" else _rebase(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema


def make_token(app, user_id: int, scope: str = "write") -> str:
    with app.app_context():
        from app.models import User

        _row, secret = ApiToken.issue(db.session.get(User, user_id), "test", scope)
        db.session.commit()
        return secret


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def data(app, users, themes, city, other_city):
    published = make_practice(app, users["official"].id, title="Published one", themes=["health"])
    make_practice(app, users["other_official"].id, title="Gwangju one", themes=["local-economy"])
    draft = make_practice(app, users["official"].id, status="draft", title="Secret draft")
    pending = make_practice(app, users["official"].id, status="pending", title="Secret pending")
    exchange = make_exchange(
        app, users["official"].id, city.id, capacity=1, invited_city_ids=[other_city.id]
    )
    return {"published": published, "draft": draft, "pending": pending, "exchange": exchange}


def test_practice_list_filters_and_pagination(api, data, city):
    body = api.get("/api/v1/practices").get_json()
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 20
    assert {p["title"] for p in body["items"]} == {"Published one", "Gwangju one"}
    assert api.get("/api/v1/practices?theme=health").get_json()["total"] == 1
    assert (
        api.get("/api/v1/practices?region=non-eu").get_json()["items"][0]["title"] == "Gwangju one"
    )
    assert api.get(f"/api/v1/practices?city={city.id}").get_json()["total"] == 1
    page = api.get("/api/v1/practices?per_page=1&page=2")
    assert len(page.get_json()["items"]) == 1
    assert 'rel="prev"' in page.headers["Link"] and 'rel="first"' in page.headers["Link"]
    assert page.headers["Link"].startswith("<http://localhost/api/v1/practices?")
    item = page.get_json()["items"][0]
    assert item["url"].startswith("http://localhost/practices/")
    assert item["published_at"].endswith("+00:00")


def test_unpublished_practices_never_appear(api, data):
    listed = api.get("/api/v1/practices").get_data(as_text=True)
    assert "Secret" not in listed
    assert api.get(f"/api/v1/practices/{data['draft']}").status_code == 404
    assert api.get(f"/api/v1/practices/{data['pending']}").status_code == 404
    full = api.get(f"/api/v1/practices/{data['published']}").get_json()
    assert full["body"] and "email" not in str(full).lower()


@pytest.mark.parametrize(
    "query,status",
    [
        ("per_page=101", 422),
        ("per_page=0", 422),
        ("page=0", 422),
        ("page=abc", 422),
        ("region=mars", 422),
        ("city=rome", 422),
        ("when=sometimes", 422),
    ],
)
def test_bad_parameters_are_422(api, data, query, status):
    path = "/api/v1/exchanges" if query.startswith("when") else "/api/v1/practices"
    response = api.get(f"{path}?{query}")
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == "unprocessable_entity"


def test_errors_are_json(api, client):
    assert api.get("/api/v1/practices/999999").status_code == 404
    assert client.get("/api/v1/nowhere").get_json()["error"]["code"] == "not_found"
    response = client.put("/api/v1/practices")
    assert (
        response.status_code == 405 and response.get_json()["error"]["code"] == "method_not_allowed"
    )


def test_exchange_fields_and_video_link(app, client, users, data):
    api = Api(client)
    body = api.get(f"/api/v1/exchanges/{data['exchange']}").get_json()
    assert body["capacity"] == 1 and body["seats_left"] == 1 and body["waitlist_count"] == 0
    assert body["timezone"] == "Europe/Rome" and body["starts_at"].endswith("+00:00")
    assert body["video_url"] is None
    token = make_token(app, users["participant"].id)
    mine = Api(client, token)
    assert mine.post(f"/api/v1/exchanges/{data['exchange']}/registration").status_code == 201
    seated = mine.get(f"/api/v1/exchanges/{data['exchange']}").get_json()
    assert seated["video_url"].startswith("https://") and seated["seats_left"] == 0
    other = Api(client, make_token(app, users["other_official"].id))
    waiting = other.post(f"/api/v1/exchanges/{data['exchange']}/registration")
    assert waiting.status_code == 201
    assert waiting.get_json() == {"status": "waitlisted", "waitlist_position": 1}
    assert other.get(f"/api/v1/exchanges/{data['exchange']}").get_json()["video_url"] is None
    listed = api.get("/api/v1/exchanges").get_data(as_text=True)
    assert "ux-secret-room" not in listed


def test_writes_need_a_write_token(app, client, users, data):
    path = f"/api/v1/exchanges/{data['exchange']}/registration"
    assert Api(client).post(path).status_code == 401
    assert Api(client, "uxp_not-a-real-token").post(path).status_code == 401
    reader = Api(client, make_token(app, users["participant"].id, scope="read"))
    assert reader.post(path).status_code == 403
    writer = Api(client, make_token(app, users["participant"].id))
    assert writer.post(path).status_code == 201
    again = writer.post(path)
    assert again.status_code == 409 and "already" in again.get_json()["error"]["message"]
    assert writer.get(path).get_json()["status"] == "confirmed"
    assert writer.delete(path).status_code == 204
    assert writer.delete(path).status_code == 409
    assert statuses(app, data["exchange"])[users["participant"].id] == "cancelled"


def test_withdrawal_through_the_api_promotes_the_waitlist(app, client, users, data):
    register(app, data["exchange"], users["participant"].id)
    register(app, data["exchange"], users["other_official"].id)
    Api(client, make_token(app, users["participant"].id)).delete(
        f"/api/v1/exchanges/{data['exchange']}/registration"
    )
    assert statuses(app, data["exchange"])[users["other_official"].id] == "confirmed"


def test_tokens_on_the_account_page(app, login_as, users, client):
    browser = login_as("participant")
    created = browser.post("/account/tokens", data={"name": "Regional portal", "scope": "read"})
    assert created.status_code == 201
    secret = re.search(r'value="(uxp_[^"]+)"', created.get_data(as_text=True)).group(1)
    with app.app_context():
        row = db.session.query(ApiToken).one()
        assert row.token_hash != secret and secret not in row.token_hash
    assert secret not in browser.get("/account").get_data(as_text=True)
    Api(client, secret).get("/api/v1/themes")
    page = browser.get("/account").get_data(as_text=True)
    assert "Regional portal" in page and "never" not in page.split("Regional portal")[1][:400]
    assert browser.post("/account/tokens", data={"name": "", "scope": "read"}).status_code == 422
    assert login_as("other_official").post(f"/account/tokens/{row.id}/revoke").status_code == 404
    browser.post(f"/account/tokens/{row.id}/revoke")
    assert Api(client, secret).get("/api/v1/themes").status_code == 401


def test_rate_limit_per_token_with_retry_after(app, client, users):
    app.config["API_RATE_LIMIT_TOKEN"] = "5 per minute"
    token = make_token(app, users["participant"].id, scope="read")
    api = Api(client, token)
    codes = [api.get("/api/v1/themes").status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    limited = api.get("/api/v1/themes")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    # Another token is counted apart.
    assert (
        Api(client, make_token(app, users["official"].id, "read")).get("/api/v1/themes").status_code
        == 200
    )


def test_cors_for_reads(client, data):
    response = client.get("/api/v1/practices", headers={"Origin": "https://portal.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_open_data_csv_and_json(client, data):
    text = client.get("/api/v1/open-data/practices.csv").get_data(as_text=True)
    assert text.startswith("# Urban Exchange published practices. Licence: CC BY 4.0")
    rows = list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))
    assert list(rows[0].keys())[:5] == ["id", "title", "summary", "city", "country"]
    assert {r["title"] for r in rows} == {"Published one", "Gwangju one"}
    body = client.get("/api/v1/open-data/practices.json").get_json()
    assert body["licence"] == "CC BY 4.0" and len(body["items"]) == 2
    assert body["columns"][0] == "id"


def test_fifty_concurrent_api_sign_ups_for_ten_seats(app, live_server, factory, users, city):
    import urllib.error
    import urllib.request

    exchange_id = make_exchange(app, users["official"].id, city.id, capacity=10)
    tokens = [
        make_token(app, factory.user("participant", email=f"api{i}@example.net").id)
        for i in range(50)
    ]
    barrier = threading.Barrier(len(tokens))
    codes = []

    def rush(token):
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/exchanges/{exchange_id}/registration",
            method="POST",
            headers={"Authorization": f"Bearer {token}"},
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                codes.append(response.status)
        except urllib.error.HTTPError as error:
            codes.append(error.code)

    threads = [threading.Thread(target=rush, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert codes == [201] * 50
    with app.app_context():
        rows = db.session.query(Registration).filter_by(exchange_id=exchange_id).all()
        assert sum(r.status == "confirmed" for r in rows) == 10
        assert sum(r.status == "waitlisted" for r in rows) == 40


@pytest.mark.parametrize(
    "query",
    [
        "page=%C2%B2",  # a digit to str.isdigit(), not to int()
        "theme=a%00b",  # PostgreSQL text cannot hold NUL
        "q=" + "a" * 5001,
    ],
)
def test_bad_parameters_found_by_schemathesis_are_422(api, data, query):
    response = api.get(f"/api/v1/practices?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "unprocessable_entity"


def test_ids_that_name_nothing_are_404_for_every_method(app, api, client, users, data):
    writer = Api(client, make_token(app, users["participant"].id))
    for path in ("/api/v1/practices/", "/api/v1/exchanges/"):
        for bad in ("99999999999", "-1", "abc", "2147483648"):
            assert api.get(path + bad).status_code == 404
    for bad in ("99999999999", "-1", "null,null"):
        path = f"/api/v1/exchanges/{bad}/registration"
        assert writer.post(path).status_code == 404
        assert writer.delete(path).status_code == 404
        assert writer.get(path).status_code == 404


def test_a_city_id_too_large_to_exist_matches_nothing(api, data):
    for path in ("/api/v1/practices", "/api/v1/exchanges?when=all"):
        sep = "&" if "?" in path else "?"
        body = api.get(f"{path}{sep}city=99999999999999999999").get_json()
        assert body["total"] == 0 and body["items"] == []


def test_list_headers_are_documented(api, data):
    document = api.document
    for path in ("/practices", "/exchanges", "/themes", "/cities"):
        ok = document["paths"][path]["get"]["responses"]["200"]
        assert ok["headers"]["Link"]["required"] is True
        assert "Link" in api.get(f"/api/v1{path}").headers
        limited = document["paths"][path]["get"]["responses"]["429"]
        assert limited["headers"]["Retry-After"]["required"] is True
