"""`make bench`: the pages under load, against a generated database of realistic size.

    .venv/bin/python bench/run.py [--duration 10] [--connections 32] [--generate-only]
    BENCH_DATABASE_URL=postgresql+psycopg://user@host/db .venv/bin/python bench/run.py

1. Finds or builds the data set (bench/dataset.py: 100,000 published practices, 300 cities,
   1,000,000 comments, 10,000 exchanges with registrations, 50,000 users). On SQLite the file
   is kept under instance/bench/ and reused until GENERATOR_VERSION changes; on PostgreSQL
   (BENCH_DATABASE_URL) a `bench_meta` table records the version, and the database is
   emptied and filled again when it differs. Migrations newer than the data are applied.
2. Counts the SQL statements of one request to each page, in process: the first request
   (cache empty) and the second (served from the cache).
3. Serves the app with gunicorn (sync workers, one per core, 127.0.0.1, production
   configuration) and drives each page with wrk (32 connections, fixed duration), then
   prints requests/s, p50, p99, throughput relative to /healthz in the same run, the SQL
   statements per request and the non-2xx answers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, inspect, text  # noqa: E402

from bench import dataset  # noqa: E402

BENCH_DIR = ROOT / "instance" / "bench"


def _app(url: str):
    from app import create_app

    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ["DATABASE_URL"] = url
    return create_app("production")


def _meta(conn) -> dict | None:
    if "bench_meta" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(text("SELECT data FROM bench_meta")).first()
    return json.loads(row[0]) if row else None


def ensure_database(sizes: dataset.Sizes) -> str:
    """The URL of a database holding the current data set, built when missing or outdated."""
    from flask_migrate import upgrade

    from app.extensions import db

    url = os.environ.get("BENCH_DATABASE_URL", "")
    wanted = {"version": dataset.GENERATOR_VERSION, **dataset.asdict(sizes)}
    if url:
        app = _app(url)
        with app.app_context():
            with db.engine.connect() as conn:
                meta = _meta(conn)
            if meta is None or {k: meta.get(k) for k in wanted} != wanted:
                print(f"building the data set in {db.engine.url.render_as_string()} ...")
                with db.engine.begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                _build(db, upgrade, sizes)
            _upgrade(db, upgrade)
            db.engine.dispose()
        return url
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    name = f"bench-v{dataset.GENERATOR_VERSION}-{sizes.practices}-{sizes.comments}.sqlite"
    path = BENCH_DIR / name
    if not path.exists():
        for old in BENCH_DIR.glob("bench-v*.sqlite*"):
            old.unlink()
        building = BENCH_DIR / ("building-" + name)
        for leftover in BENCH_DIR.glob("building-*"):
            leftover.unlink()
        print(f"building the data set in {path} (once; reused until the generator changes) ...")
        app = _app(f"sqlite:///{building}")
        with app.app_context():
            _build(db, upgrade, sizes)
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            db.session.remove()
            db.engine.dispose()
        building.rename(path)
    url = f"sqlite:///{path}"
    app = _app(url)
    with app.app_context():
        _upgrade(db, upgrade)
        db.engine.dispose()
    return url


def _build(db, upgrade, sizes) -> None:
    upgrade()
    info = dataset.build(sizes)
    db.session.execute(text("CREATE TABLE bench_meta (data TEXT)"))
    db.session.execute(text("INSERT INTO bench_meta VALUES (:d)"), {"d": json.dumps(info)})
    db.session.commit()
    print(f"built in {info['seconds']:.0f} s")


def _upgrade(db, upgrade) -> None:
    """Apply migrations newer than the data set; refresh planner statistics after them."""

    def head() -> str:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()

    before = head()
    db.session.remove()
    upgrade()
    if db.engine.dialect.name == "sqlite":
        # Planner statistics from an older generator: the app never runs ANALYZE on SQLite.
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
    elif head() != before:
        print(f"migrated the data set from {before} to {head()}; ANALYZE ...")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    db.session.remove()


def _urls() -> list[tuple[str, str]]:
    return [
        ("baseline", "/healthz"),
        ("feed", "/"),
        ("theme filter", "/practices/?theme=health"),
        ("practice, 100 comments", f"/practices/{dataset.SHOWCASE_PRACTICE_ID}"),
        ("exchanges", "/exchanges/"),
        ("search", f"/practices/?q={dataset.SEARCH_WORD}"),
        ("API practices", "/api/v1/practices"),
        ("Atom", "/feed.atom"),
    ]


def count_statements(url: str) -> dict[str, tuple[int, int, int]]:
    """(status, statements with an empty cache, statements when cached) per page."""
    from app.caching import engines
    from app.extensions import cache

    app = _app(url)
    out = {}
    with app.app_context():
        counter = {"n": 0}

        def _count(*_args):
            counter["n"] += 1

        for engine in engines():  # the content generation may be read on an engine of its own
            event.listen(engine, "before_cursor_execute", _count)

        cache.clear()
        client = app.test_client()
        for _label, path in _urls():
            counts = []
            status = 0
            for _ in range(2):
                counter["n"] = 0
                response = client.get(path)
                status = response.status_code
                counts.append(counter["n"])
            out[path] = (status, counts[0], counts[1])
        cache.clear()
        for engine in engines():
            engine.dispose()
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, timeout: float = 180) -> None:
    """Until a worker answers /healthz (the port opens before the workers have booted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not start")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, duration: int, connections: int, threads: int) -> dict:
    """Run wrk once and read requests/s, p50, p99 and the error counts from its report."""
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    if os.environ.get("BENCH_VERBOSE"):
        print(out)
    latency = dict(re.findall(r"(?<![\d.])(50|99)%\s+([\d.]+(?:us|ms|s|m))\b", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


def serve(url: str, workers: int, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "APP_CONFIG": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-not-secret"),
        # One client address makes every request here: lift the per-address API limit.
        "API_RATE_LIMIT_ANONYMOUS": "100000000 per minute",
    }
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    return subprocess.Popen(
        [
            str(gunicorn) if gunicorn.exists() else "gunicorn",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
            "wsgi:app",
        ],
        env=env,
        start_new_session=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", 10)))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--practices", type=int, default=dataset.Sizes.practices)
    parser.add_argument("--comments", type=int, default=dataset.Sizes.comments)
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()
    sizes = dataset.Sizes(practices=args.practices, comments=args.comments)
    url = ensure_database(sizes)
    if args.generate_only:
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench does it as root)")
    statements = count_statements(url)
    port = _free_port()
    server = serve(url, args.workers, port)
    try:
        _wait(port)
        base = f"http://127.0.0.1:{port}"
        for _label, path in _urls():  # fill every worker's cache, open its connections
            wrk(base + path, 3, args.connections, 2)
        rows = []
        for label, path in _urls():
            rows.append((label, path, wrk(base + path, args.duration, args.connections, 2)))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    load = os.getloadavg()
    dialect = url.split(":", 1)[0]
    print()
    print(
        f"{dialect}, {sizes.practices:,} practices, {sizes.comments:,} comments; gunicorn"
        f" {args.workers} sync workers; wrk {args.connections} connections, {args.duration} s"
        f" per page; {os.cpu_count()} cores, load average {load[0]:.1f} after the run"
    )
    header = (
        f"{'page':<24} {'path':<26} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'×base':>6} {'SQL cold':>8} {'SQL warm':>8} {'non-2xx':>8} {'sock err':>8}"
    )
    print(header)
    print("-" * len(header))
    baseline = rows[0][2]["rps"] or float("nan")
    for label, path, r in rows:
        status, cold, warm = statements[path]
        bad = r["non2xx"] + (status != 200)
        print(
            f"{label:<24} {path:<26} {r['rps']:>8.0f} {r['p50']:>7.1f} {r['p99']:>7.1f} "
            f"{r['rps'] / baseline:>6.2f} {cold:>8} {warm:>8} {bad:>8} {r['socket_errors']:>8}"
        )


if __name__ == "__main__":
    main()
