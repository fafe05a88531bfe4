"""The query plans of the benchmark's pages on the benchmark's data, on either database.

    .venv/bin/python bench/plans.py                       # the SQLite data set of `make bench`
    BENCH_DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/plans.py [--verbose]

Requests each page of bench/run.py once with the page cache off, captures every SELECT it
runs, and asks the database for the plan of each (SQLite: EXPLAIN QUERY PLAN; PostgreSQL:
EXPLAIN). It flags what tests/perf/test_query_plans.py forbids on SQLite, on both databases:
a full scan of a table that grows with the network, and a sort of an unbounded set (SQLite:
a temporary B-tree for ORDER BY; PostgreSQL: a Sort node), except in the eager load of one
page's related rows (`WHERE x.y IN (…)` with the page's ids, no LIMIT), which sorts at most a
page's worth. On PostgreSQL a sort of a reference table's few rows (themes, tags, cities) and a
sequential scan of a table with a handful of rows are not flagged; an incremental sort is.
The search's ranked page sorts its matches by relevance, which no index can hold: it is shown
as "rank", not flagged.

Exit status 1 when something is flagged.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from bench.run import _app, _urls, ensure_database  # noqa: E402
from tests.perf.plans import (  # noqa: E402
    LARGE_TABLES,
    capture,
    normalise,
    page_eager_load,
    plan,
    problems,
)

_PG_SCAN = re.compile(r"Seq Scan on (\w+)")
_PG_SORT = re.compile(r"(Incremental )?Sort\s+\(cost=[^)]*rows=(\d+)")
# Sorting more rows than this, other than in a page's eager load, is flagged; reference
# tables (12 themes, 120 tags, 300 cities) sort in memory in microseconds.
SORT_LIMIT = 1000


def pg_problems(lines: list[str], statement: str, sizes: dict[str, int]) -> list[str]:
    """Sequential scans of large tables that hold more than a few rows; sorts, unless in a
    page's eager load or of a reference table's few rows. An incremental sort (a presorted
    prefix from an index, the rest sorted within ties) counts as a sort."""
    found = []
    for line in lines:
        scan = _PG_SCAN.search(line)
        if scan and scan.group(1) in LARGE_TABLES and sizes.get(scan.group(1), 0) > SORT_LIMIT:
            found.append(line.strip())
        sort = _PG_SORT.search(line)
        if sort and not page_eager_load(statement):
            if sort.group(1) or int(sort.group(2)) > SORT_LIMIT:
                found.append(line.strip())
    return found


def relevance_ranking(statement: str) -> bool:
    """The search's ranked page: ordered by a score computed per match (ts_rank, bm25), which
    no index can hold; the database keeps the top 20 of the matches (a top-N sort)."""
    return "ts_rank(" in statement or "bm25(" in statement


def verdict(dialect: str, statement: str, lines: list[str], sizes: dict) -> tuple[str, list]:
    """("ok" | "FLAG" | "rank", the plan lines flagged) for one statement."""
    shape = normalise(statement)
    bad = problems(lines, shape) if dialect == "sqlite" else pg_problems(lines, shape, sizes)
    if bad and relevance_ranking(statement):
        return "rank", []
    return ("FLAG" if bad else "ok"), bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print every plan")
    args = parser.parse_args()

    from app.extensions import db

    url = ensure_database(dataset.Sizes())
    app = _app(url)
    app.config["PAGE_CACHE"] = False
    flagged = 0
    with app.app_context():
        dialect = db.engine.dialect.name
        sizes = {}
        if dialect == "postgresql":
            from sqlalchemy import text

            sizes = dict(
                db.session.execute(
                    text("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
                ).all()
            )
            db.session.remove()
        client = app.test_client()
        for label, path in _urls():
            client.get(path)  # warm-up
            seen = capture(app, client, path)
            selects = [(s, p) for s, p in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]
            print(f"\n== {label}  {path}  ({len(seen)} statements, {len(selects)} SELECT)")
            for statement, parameters in selects:
                lines = plan(app, statement, parameters)
                tag, bad = verdict(dialect, statement, lines, sizes)
                flagged += len(bad)
                print(f"  {tag:4}  {normalise(statement)[:110]}")
                for line in bad:
                    print(f"        ! {line}")
                for line in lines if args.verbose else ():
                    print(f"        | {line}")
        db.engine.dispose()
    print(f"\n{dialect}: {flagged} flagged")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
