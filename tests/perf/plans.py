"""Capture the SQL a page runs and read its query plans (SQLite; PostgreSQL for bench/plans.py)."""

from __future__ import annotations

import re

from app.extensions import db
from tests.helpers import recording

# Tables that grow with the network: a plan must reach their rows through an index.
LARGE_TABLES = {
    "practice",
    "practice_theme",
    "practice_tag",
    "comment",
    "exchange",
    "exchange_theme",
    "exchange_invited_city",
    "registration",
    "user",
    "practice_revision",
    "attachment",
}


def capture(app, client, path: str) -> list[tuple[str, object]]:
    """The (statement, parameters) of every SQL statement one GET of `path` runs."""
    with recording(app) as seen:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return seen


def plan(app, statement: str, parameters) -> list[str]:
    """The plan of one captured SELECT: SQLite's EXPLAIN QUERY PLAN details, or the lines of
    PostgreSQL's EXPLAIN."""
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            cursor.execute(explain + statement, parameters)
            return [row[3] if sqlite else row[0] for row in cursor.fetchall()]
        finally:
            raw.close()


def page_eager_load(statement: str) -> bool:
    """An eager load of the related rows of one page of objects: keyed by the page's ids."""
    return bool(re.search(r"WHERE \w+\.\w+ IN \(…\)", statement)) and "LIMIT" not in statement


def problems(lines: list[str], statement: str = "") -> list[str]:
    """Full scans of large tables, and sorts in a temporary B-tree for ORDER BY (except in an
    eager load of one page's related rows, which sorts at most a page's worth)."""
    found = []
    for line in lines:
        scan = re.match(r"SCAN (\w+)(?: AS \w+)?$", line.strip())
        if scan and scan.group(1) in LARGE_TABLES:
            found.append(line)
        if "TEMP B-TREE" in line and "ORDER BY" in line and not page_eager_load(statement):
            found.append(line)
    return found


def page_plans(app, client, path: str) -> dict[str, list[str]]:
    """Each SELECT of the page (normalised) with its plan."""
    out = {}
    for statement, parameters in capture(app, client, path):
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        out[normalise(statement)] = plan(app, statement, parameters)
    return out


def normalise(statement: str) -> str:
    """The statement without the varying parts of IN lists (the same shape at any size)."""
    statement = re.sub(r"\(__\[POSTCOMPILE_\w+\]\)", "(…)", statement)
    statement = re.sub(r"IN \((?:\?, )*\?\)", "IN (…)", statement)
    # PostgreSQL (psycopg): IN (%(pk_1)s::INTEGER, %(pk_2)s::INTEGER, …)
    statement = re.sub(r"IN \((?:%\(\w+\)s(?:::\w+)?, )*%\(\w+\)s(?:::\w+)?\)", "IN (…)", statement)
    return " ".join(statement.split())
