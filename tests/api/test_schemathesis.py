"""Schemathesis against the live app: every operation of /api/v1/openapi.json with every check,
a write token, a fixed seed and a bounded number of examples. Zero failures allowed: when it
finds something, fix the app or the document, not this test.

It runs the `st run` command line (schemathesis 4) against the live server on 127.0.0.1, so
the report on failure is schemathesis's own, with a curl line for each failing case."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from tests.api.test_api import make_token
from tests.exchanges.helpers import make_exchange, register
from tests.practices.helpers import make_practice

MAX_EXAMPLES = 30
SEED = 20240508


def _st() -> Path:
    script = Path(sys.executable).with_name("st")
    assert script.exists(), "schemathesis is not installed: pip install -e '.[test]'"
    return script


def test_schemathesis_finds_nothing(app, live_server, users, themes, city, other_city, tmp_path):
    # Schemathesis sends about a thousand requests: no throttling for them.
    app.config["API_RATE_LIMIT_TOKEN"] = "1000000 per minute"
    app.config["API_RATE_LIMIT_ANONYMOUS"] = "1000000 per minute"

    make_practice(app, users["official"].id, title="Masks for partners", themes=["health"])
    make_practice(app, users["other_official"].id, themes=["local-economy"], tags=["bus"])
    make_practice(app, users["official"].id, status="draft", title="A draft")
    seated = make_exchange(
        app,
        users["official"].id,
        city.id,
        capacity=2,
        invited_city_ids=[other_city.id],
        themes=["health"],
    )
    full = make_exchange(app, users["official"].id, other_city.id, capacity=1)
    register(app, full, users["other_official"].id)
    register(app, seated, users["participant"].id)
    # The token's owner holds a seat in one exchange and may join the other's waitlist.
    token = make_token(app, users["participant"].id, scope="write")

    har = tmp_path / "run.har"
    command = [
        str(_st()),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--url",
        f"{live_server.url}/api/v1",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--header",
        f"Authorization: Bearer {token}",
        "--request-timeout",
        "30",
        "--report",
        "har",
        "--report-har-path",
        str(har),
        "--no-color",
    ]
    env = {**os.environ, "NO_COLOR": "1", "NO_PROXY": "127.0.0.1"}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        env.pop(name, None)
    env.pop("SCHEMATHESIS_HOOKS", None)

    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # a line per request would bury the report
    try:
        result = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        werkzeug_log.setLevel(level)
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output

    # It did reach the successful answers, writes included, not only the errors.
    seen = defaultdict(set)
    for entry in json.loads(har.read_text())["log"]["entries"]:
        path = entry["request"]["url"].split("/api/v1", 1)[1].split("?")[0]
        seen[entry["request"]["method"], path.split("/")[1]].add(entry["response"]["status"])
    for method, resource, status in [
        ("GET", "practices", 200),
        ("GET", "exchanges", 200),
        ("GET", "themes", 200),
        ("GET", "cities", 200),
        ("GET", "open-data", 200),
        ("POST", "exchanges", 201),
        ("DELETE", "exchanges", 204),
    ]:
        assert status in seen[method, resource], (method, resource, sorted(seen[method, resource]))
