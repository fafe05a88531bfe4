"""Search benchmark: 100,000 generated published practices, then search vs primary-key lookup.

    .venv/bin/python bench/search.py                      # SQLite file in a temporary folder
    .venv/bin/python bench/search.py postgresql+psycopg://user@host:5432/empty_db [--drop]
    .venv/bin/python bench/search.py sqlite:////tmp/ux-bench-…/bench.sqlite --filled  # time again

Fills a fresh database through the migrations (bulk inserts), builds the index with
app.search.reindex_all() (as `flask search reindex` does, FTS5 'optimize' included), then
times, for a mix of queries (rare terms, terms in about 10 % of the practices, two words),
what /practices/?q= runs for its list (`paginate_practices`): the first page of 20 ranked by
relevance with the card data (city, themes, tags) and the total count; plus the highlighted
snippets of that page; plus the counts per theme the page shows beside it. Each is reported
as median and 95th percentile, in milliseconds and as a ratio to the median time of a
primary-key lookup of a practice measured in the same run, and as the CPU time of this
process (the cost without the wait for a core on a loaded machine; on PostgreSQL the
server's work is not in it). `--filled` times a database filled by an earlier run (the
generator runs again, without writing, to find the words).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, inspect, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import City, Practice, Tag, Theme, User  # noqa: E402
from app.models.practice import practice_tag, practice_theme  # noqa: E402
from app.practices.queries import (  # noqa: E402
    PracticeFilters,
    paginate_practices,
    theme_counts,
)
from app.search import practice_snippets, reindex_all  # noqa: E402

N_PRACTICES = 100_000
BATCH = 5_000
SEED = 20200327

# Words officials use when they describe what their city did (content words only).
VOCABULARY = """
mask masks donation donated partner twinned city cities volunteer volunteers delivery food
medicine quarantine hospital beds test testing results tracing contact phone message alert
alerts portal business businesses small shop shops tax taxes relief rent rents waived public
transport bus buses tram metro frequency crowding passengers drivers shift shifts night staff
care home homes elderly older people homeless shelter shelters housing meals kitchen school
schools children pupils teachers remote learning laptops tablets internet digital service
services online platform app application data sharing dashboard statistics monitoring budget
funding grant grants loan loans procurement tender suppliers equipment protective gloves
gowns sanitiser disinfection cleaning waste collection recycling bins street streets square
market markets culture museum museums library libraries concert theatre festival artists
stream streaming recovery resilience plan strategy cooperation exchange experts meeting
video conference council mayor office department unit team coordination network region
national government ministry agency university research survey citizens residents
neighbourhood district community association charity ngo church volunteers helpline hotline
counselling mental health wellbeing isolation loneliness domestic violence women migrants
refugees language translation information campaign communication social media press
guidelines rules distancing curfew lockdown reopening terraces restaurants bars hotels
tourism tourists visitors airport border travel cycling bike lanes pedestrian walking parks
green spaces trees climate energy heating electricity bills vouchers subsidy subsidies
employment jobs unemployed training skills workers employers payroll deferral payments
""".split()
RARE = """
zeppelin quokka origami kelp glockenspiel marzipan yurt obsidian kazoo tundra abacus nautilus
""".split()
CITY_NAMES = """
Rome Bologna Granada Barcelona Nice Mannheim Stuttgart Guangzhou Gwangju Jakarta Changsha
Liuzhou Lyon Porto Gdansk Tampere Utrecht Ghent Brno Cluj Aarhus Malmo Turin Seville Bilbao
Leipzig Dresden Bordeaux Lille Riga Curitiba Medellin Puebla Chiang Penang Surabaya Pune
Montreal Auckland Adelaide
""".split()
COUNTRIES = """
IT IT ES ES FR DE DE CN KR ID CN CN FR PT PL FI NL BE CZ RO DK SE IT ES ES DE DE FR FR LV
BR CO MX TH MY ID IN CA NZ AU
""".split()


def words(rng: random.Random, pool: list[str], weights: list[float], n: int) -> str:
    return " ".join(rng.choices(pool, weights=weights, k=n))


def fill(rng: random.Random, write: bool = True) -> tuple[Counter, float]:
    """Cities, themes, tags, one author and N_PRACTICES published practices, in bulk.

    With `write` false nothing is written: the same generator runs (same seed, same words) to
    find the query words again for a database filled by an earlier run."""
    started = time.perf_counter()
    populations = [rng.choice([60_000, 250_000, 700_000, 2_500_000, 9_000_000]) for _ in CITY_NAMES]
    if not write:
        ids = (list(range(1, len(CITY_NAMES) + 1)), list(range(1, 13)), list(range(1, 201)), 1)
        return _generate(rng, False, *ids), time.perf_counter() - started
    db.session.execute(
        insert(City),
        [
            {
                "name": name,
                "country_code": code,
                "is_eu": code
                in {
                    "IT",
                    "ES",
                    "FR",
                    "DE",
                    "PT",
                    "PL",
                    "FI",
                    "NL",
                    "BE",
                    "CZ",
                    "RO",
                    "DK",
                    "SE",
                    "LV",
                },
                "timezone": "UTC",
                "population": population,
                "email_domains_text": "",
            }
            for name, code, population in zip(CITY_NAMES, COUNTRIES, populations, strict=True)
        ],
    )
    theme_names = [
        "Health",
        "Mobility and transport",
        "Local economy",
        "Culture",
        "Food",
        "Homelessness",
        "Procurement",
        "Volunteers",
        "Waste management",
        "Social care",
        "Digital services",
        "Climate and energy",
    ]
    db.session.execute(
        insert(Theme), [{"slug": f"t{i}", "name": n} for i, n in enumerate(theme_names)]
    )
    db.session.execute(
        insert(Tag), [{"slug": f"tag-{w}", "name": w} for w in sorted(set(VOCABULARY))[:200]]
    )
    author = User(
        email="bench@example.org", name="Bench", role="official", confirmed_at=datetime.now(UTC)
    )
    db.session.add(author)
    db.session.flush()
    city_ids = db.session.scalars(select(City.id)).all()
    theme_ids = db.session.scalars(select(Theme.id)).all()
    tag_ids = db.session.scalars(select(Tag.id)).all()
    df = _generate(rng, True, city_ids, theme_ids, tag_ids, author.id)
    return df, time.perf_counter() - started


def _generate(rng, write, city_ids, theme_ids, tag_ids, author_id) -> Counter:
    # Zipf-like weights: a few words are in many practices, most in few.
    weights = [1 / (i + 3) for i in range(len(VOCABULARY))]
    rng.shuffle(weights)
    df: Counter = Counter()
    start = datetime(2020, 3, 1, tzinfo=UTC)
    next_id = 1
    while next_id <= N_PRACTICES:
        rows, themes, tags = [], [], []
        for practice_id in range(next_id, min(next_id + BATCH, N_PRACTICES + 1)):
            # Each practice talks about its own handful of subjects (Zipf-weighted), so a
            # word's share of practices ranges from about 1 % to over half.
            subjects = list(dict.fromkeys(rng.choices(VOCABULARY, weights=weights, k=40)))[:18]
            title = words(rng, subjects[:6], None, rng.randint(4, 8)).capitalize()
            summary = words(rng, subjects, None, rng.randint(15, 25))
            body = "\n\n".join(words(rng, subjects, None, rng.randint(20, 40)) for _ in range(3))
            if rng.random() < 0.0005:  # rare words: in about 50 practices each
                body += " " + rng.choice(RARE)
            fields = {
                k: words(rng, VOCABULARY, weights, 10)
                for k in ("resources", "evidence", "difficulties", "transferability")
            }
            df.update(set(f"{title} {summary} {body} {' '.join(fields.values())}".lower().split()))
            when = start + timedelta(minutes=practice_id * 7)
            rows.append(
                {
                    "id": practice_id,
                    "city_id": rng.choice(city_ids),
                    "author_id": author_id,
                    "status": "published",
                    "title": title[:200],
                    "summary": summary[:600],
                    "body": body,
                    "topic": "covid-19-response",
                    "implementation": "ongoing",
                    "contact": "",
                    "created_at": when,
                    "updated_at": when,
                    "published_at": when,
                    **fields,
                }
            )
            for theme_id in rng.sample(theme_ids, rng.randint(1, 3)):
                themes.append({"practice_id": practice_id, "theme_id": theme_id})
            for tag_id in rng.sample(tag_ids, rng.randint(0, 3)):
                tags.append({"practice_id": practice_id, "tag_id": tag_id})
        if write:
            db.session.execute(insert(Practice), rows)
            db.session.execute(insert(practice_theme), themes)
            if tags:
                db.session.execute(insert(practice_tag), tags)
            db.session.commit()
        next_id += BATCH
    if write and db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('practice_id_seq', :n)"), {"n": N_PRACTICES})
        db.session.commit()
    return df


def timed(fn, repeat: int = 1, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock ms of each call; with `cpu`, also this process's CPU ms of each call there
    (what the search itself cost, without the time spent waiting for a core under load)."""
    out = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", help="database URL (default: SQLite in a temp dir)")
    parser.add_argument(
        "--drop", action="store_true", help="empty a non-empty PostgreSQL database first"
    )
    parser.add_argument(
        "--filled",
        action="store_true",
        help="the database was filled and indexed by an earlier run of this script: time only",
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="ux-bench-")
    url = args.url or f"sqlite:///{os.path.join(tmp, 'bench.sqlite')}"
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url)
    rng = random.Random(SEED)
    with app.test_request_context():
        from flask_migrate import upgrade

        existing = inspect(db.engine).get_table_names()
        if args.filled:
            if not args.url:
                sys.exit("--filled needs the URL of a database filled by an earlier run")
            df, _ = fill(rng, write=False)
        elif existing:
            if not (args.drop and db.engine.dialect.name == "postgresql"):
                sys.exit(
                    f"{url} is not empty ({len(existing)} tables); use an empty database"
                    " (or --drop on PostgreSQL)"
                )
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        if not args.filled:
            upgrade()
            df, fill_s = fill(rng)
            t0 = time.perf_counter()
            indexed = reindex_all()
            db.session.commit()
            index_s = time.perf_counter() - t0
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            print(
                f"filled {N_PRACTICES:,} practices in {fill_s:.1f} s; "
                f"indexed {indexed:,} in {index_s:.1f} s"
            )
        print(f"database: {db.engine.dialect.name} {db.engine.url.render_as_string()}")

        by_df = sorted(((count / N_PRACTICES, w) for w, count in df.items() if w in VOCABULARY))
        common = [w for share, w in by_df if 0.07 <= share <= 0.13][:8]
        rare = [w for w in RARE if df[w]][:8]
        mid = [w for share, w in by_df if 0.02 <= share <= 0.06]
        pairs = [f"{a} {b}" for a, b in zip(mid[::2], mid[1::2], strict=False)][:8]
        queries = {"rare": rare, "common (~10 %)": common, "two words": pairs}
        # Reported on its own, outside "all": a word in over half of the practices.
        frequent = [w for share, w in by_df if share >= 0.5][-3:]
        for kind, qs in {**queries, "very common (>50 %)": frequent}.items():
            shares = ", ".join(f"{q} {df.get(q, 0) / N_PRACTICES:.1%}" for q in qs if " " not in q)
            print(f"  {kind}: {shares or ', '.join(qs)}")

        def rows_and_count(q: str, number: int = 1) -> list[int]:
            pagination = paginate_practices(PracticeFilters(q=q), page=number, per_page=20)
            ids = [p.id for p in pagination.items]
            db.session.expunge_all()
            return ids

        def page(q: str, number: int = 1) -> None:
            practice_snippets(q, rows_and_count(q, number))

        def with_themes(q: str, number: int = 1) -> None:
            page(q, number)
            theme_counts(PracticeFilters(q=q))

        def lookup(pk: int) -> None:
            db.session.execute(select(Practice).where(Practice.id == pk)).scalar_one()
            db.session.expunge_all()

        # warm up caches and statement compilation
        for qs in queries.values():
            for q in qs:
                page(q)
        pk_times = []
        for _ in range(2000):
            pk_times += timed(lambda: lookup(rng.randint(1, N_PRACTICES)))
        pk_median = statistics.median(pk_times)
        print(f"primary-key lookup: median {pk_median:.3f} ms (2000 lookups)")
        print(
            f"{'queries':<16} {'what':<26} {'median ms':>10} {'p95 ms':>8} "
            f"{'median ×pk':>11} {'p95 ×pk':>9} {'cpu median':>11} {'cpu p95':>8}"
        )
        kinds = {
            **{kind: (qs, 1) for kind, qs in queries.items()},
            "very common (>50 %)": (frequent, 1),
            # Page 40 (rows 781-800) of the common words: past their title matches, so bm25
            # ranks the other matches too.
            "common, page 40": (common, 40),
        }
        measured = (
            ("rows+count", rows_and_count),
            ("rows+count+snippets", page),
            ("+theme counts (page)", with_themes),
        )
        every: dict[str, tuple[list[float], list[float]]] = {
            label: ([], []) for label, _fn in measured
        }

        def report(kind: str, label: str, samples: list[float], cpu: list[float]) -> None:
            med, high = statistics.median(samples), p95(samples)
            print(
                f"{kind:<16} {label:<26} {med:>10.2f} {high:>8.2f} "
                f"{med / pk_median:>11.0f} {high / pk_median:>9.0f} "
                f"{statistics.median(cpu):>11.2f} {p95(cpu):>8.2f}"
            )

        for kind, (qs, number) in kinds.items():
            for label, fn in measured:
                samples, cpu = [], []
                for _ in range(10):
                    for q in qs:
                        samples += timed(lambda q=q, fn=fn, n=number: fn(q, n), cpu=cpu)
                if kind in queries:
                    every[label][0].extend(samples)
                    every[label][1].extend(cpu)
                report(kind, label, samples, cpu)
        for label, (samples, cpu) in every.items():
            report("all", label, samples, cpu)


if __name__ == "__main__":
    main()
