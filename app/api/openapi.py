"""The OpenAPI 3.1 description of /api/v1, kept beside the routes it describes."""

from __future__ import annotations

from flask import current_app


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
LINK = {
    "Link": {
        "description": "RFC 8288 links to the first, previous, next and last pages.",
        "required": True,
        "schema": {"type": "string"},
    }
}


def _error(description: str, code: int | None = None) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    if code == 429:
        response["headers"] = RETRY_AFTER
    return response


def _list_of(item: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    }


PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
]
# Any text but NUL, which the API refuses with 422 (PostgreSQL text cannot hold it).
TEXT = {"type": "string", "pattern": "^[^\\x00]*$"}
CITY = {
    "name": "city",
    "in": "query",
    "schema": {"type": "string", "pattern": "^[0-9]*$"},
    "description": "A city id; an id no city has gives an empty list.",
}
PRACTICE_FILTERS = [
    {
        "name": "q",
        "in": "query",
        "schema": {**TEXT, "maxLength": 5000},
        "description": "Words to search for (the first 200 characters are used).",
    },
    {"name": "theme", "in": "query", "schema": TEXT, "description": "A theme slug."},
    CITY,
    {
        "name": "country",
        "in": "query",
        "schema": TEXT,
        "description": "ISO 3166-1 alpha-2 code; unknown codes are ignored.",
    },
    {"name": "region", "in": "query", "schema": {"type": "string", "enum": ["", "eu", "non-eu"]}},
    {
        "name": "topic",
        "in": "query",
        "schema": TEXT,
        "description": "A topic key; unknown topics are ignored.",
    },
    {"name": "tag", "in": "query", "schema": TEXT},
]
ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
    "description": "Anything that is not the id of a visible item answers 404.",
}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
TOKEN = [{"bearer": []}]


def _get(summary, response, params=(), errors=(400, 404, 422, 429), headers=None):
    responses = {
        "200": {"description": "OK", "content": {"application/json": {"schema": response}}}
    }
    if headers:
        responses["200"]["headers"] = headers
    for code in errors:
        responses[str(code)] = _error("Error", code)
    return {"get": {"summary": summary, "parameters": list(params), "responses": responses}}


def openapi_document() -> dict:
    base = current_app.config["BASE_URL"]
    city_ref = {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "country": {"type": "string"},
            "eu": {"type": "boolean"},
        },
    }
    schemas = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }
            },
        },
        "City": {
            "type": "object",
            "required": ["id", "name", "country", "country_name", "eu", "timezone", "url"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "country": {"type": "string", "pattern": "^[A-Z]{2}$"},
                "country_name": {"type": "string"},
                "eu": {"type": "boolean"},
                "timezone": {"type": "string"},
                "population": {"type": ["integer", "null"]},
                "url": {"type": "string", "format": "uri"},
            },
            "additionalProperties": False,
        },
        "Theme": {
            "type": "object",
            "required": ["slug", "name", "url"],
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
            },
            "additionalProperties": False,
        },
        "Practice": {
            "type": "object",
            "required": [
                "id",
                "title",
                "summary",
                "city",
                "themes",
                "tags",
                "topic",
                "implementation",
                "started_on",
                "published_at",
                "updated_at",
                "url",
            ],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "summary": {"type": "string"},
                "city": city_ref,
                "themes": {"type": "array", "items": {"type": "string"}},
                "tags": {"type": "array", "items": {"type": "string"}},
                "topic": {"type": "string"},
                "implementation": {"type": "string"},
                "started_on": {"type": ["string", "null"], "format": "date"},
                "published_at": NULLABLE_TIME,
                "updated_at": NULLABLE_TIME,
                "url": {"type": "string", "format": "uri"},
                "body": {"type": "string"},
                "resources": {"type": "string"},
                "evidence": {"type": "string"},
                "difficulties": {"type": "string"},
                "transferability": {"type": "string"},
                "contact": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "Exchange": {
            "type": "object",
            "required": [
                "id",
                "title",
                "status",
                "host_city",
                "invited_cities",
                "themes",
                "starts_at",
                "ends_at",
                "timezone",
                "duration_minutes",
                "capacity",
                "seats_left",
                "waitlist_count",
                "registration_deadline",
                "signup_open",
                "video_url",
                "url",
                "ics_url",
            ],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "agenda": {"type": "string"},
                "status": {"type": "string", "enum": ["scheduled", "cancelled", "held"]},
                "host_city": city_ref,
                "invited_cities": {"type": "array", "items": city_ref},
                "themes": {"type": "array", "items": {"type": "string"}},
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
                "timezone": {"type": "string"},
                "duration_minutes": {"type": "integer"},
                "capacity": {"type": "integer", "minimum": 1},
                "seats_left": {"type": "integer", "minimum": 0},
                "waitlist_count": {"type": "integer", "minimum": 0},
                "registration_deadline": {"type": "string", "format": "date-time"},
                "signup_open": {"type": "boolean"},
                "video_url": NULLABLE_STRING,
                "url": {"type": "string", "format": "uri"},
                "ics_url": {"type": "string", "format": "uri"},
            },
            "additionalProperties": False,
        },
        "Registration": {
            "type": "object",
            "required": ["status", "waitlist_position"],
            "properties": {
                "status": {"type": "string", "enum": ["confirmed", "waitlisted"]},
                "waitlist_position": {"type": ["integer", "null"], "minimum": 1},
            },
            "additionalProperties": False,
        },
    }
    write_errors = {str(c): _error("Error", c) for c in (401, 403, 404, 409, 429)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Urban Exchange API",
            "version": "1.0.0",
            "description": "Published practices, exchanges, themes and cities. Reads are open; "
            "registrations need a personal token with the write scope, created "
            "on /account. Times are ISO 8601 in UTC.",
            "license": {
                "name": "CC BY 4.0 (data)",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
        },
        "servers": [{"url": f"{base}/api/v1"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/practices": _get(
                "Published practices",
                _list_of("Practice"),
                [*PRACTICE_FILTERS, *PAGE_PARAMS],
                errors=(401, 422, 429),
                headers=LINK,
            ),
            "/practices/{id}": _get(
                "One published practice", _ref("Practice"), [ID], errors=(401, 404, 429)
            ),
            "/exchanges": _get(
                "Exchanges",
                _list_of("Exchange"),
                [
                    {
                        "name": "when",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["upcoming", "past", "all"]},
                    },
                    {"name": "theme", "in": "query", "schema": TEXT, "description": "A slug."},
                    CITY,
                    *PAGE_PARAMS,
                ],
                errors=(401, 422, 429),
                headers=LINK,
            ),
            "/exchanges/{id}": _get("One exchange", _ref("Exchange"), [ID], errors=(401, 404, 429)),
            "/exchanges/{id}/registration": {
                "get": {
                    "summary": "My registration",
                    "parameters": [ID],
                    "security": TOKEN,
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": _ref("Registration")}},
                        },
                        **write_errors,
                    },
                },
                "post": {
                    "summary": "Sign up: a seat, or a place on the waitlist",
                    "parameters": [ID],
                    "security": TOKEN,
                    "responses": {
                        "201": {
                            "description": "Created",
                            "content": {"application/json": {"schema": _ref("Registration")}},
                        },
                        **write_errors,
                    },
                },
                "delete": {
                    "summary": "Withdraw",
                    "parameters": [ID],
                    "security": TOKEN,
                    "responses": {"204": {"description": "Withdrawn"}, **write_errors},
                },
            },
            "/themes": _get(
                "Themes", _list_of("Theme"), PAGE_PARAMS, errors=(401, 422, 429), headers=LINK
            ),
            "/cities": _get(
                "Cities", _list_of("City"), PAGE_PARAMS, errors=(401, 422, 429), headers=LINK
            ),
            "/open-data/practices.json": {
                "get": {
                    "summary": "Every published practice, CC BY 4.0",
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "429": _error("Error", 429),
                    },
                }
            },
            "/open-data/practices.csv": {
                "get": {
                    "summary": "Every published practice as CSV, CC BY 4.0",
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        },
                        "429": _error("Error", 429),
                    },
                }
            },
        },
    }
