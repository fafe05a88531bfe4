"""The benchmark's data set: cities, users, published practices, comments and exchanges, in bulk.

`build(sizes)` fills a freshly migrated, empty database (inside an app context) with core
`INSERT … executemany` batches and then builds the search index with
`app.search.reindex_all()`. Everything is drawn from a seeded generator, so two builds of the
same sizes hold the same rows. `GENERATOR_VERSION` names the recipe: bench/run.py keeps the
generated SQLite file under instance/bench/ and builds it again when this number changes.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from app.extensions import db
from app.models import City, Comment, Exchange, Practice, Registration, Tag, Theme, User
from app.models.exchange import exchange_invited_city, exchange_theme
from app.models.practice import practice_tag, practice_theme
from app.search import reindex_all

# Raise when the recipe below changes: cached databases of another version are rebuilt.
GENERATOR_VERSION = 1
SEED = 20200327
BATCH = 20_000

THEMES = [
    ("culture", "Culture"),
    ("food", "Food"),
    ("homelessness", "Homelessness"),
    ("procurement", "Procurement"),
    ("volunteers", "Volunteers"),
    ("waste-management", "Waste management"),
    ("health", "Health"),
    ("mobility-transport", "Mobility and transport"),
    ("local-economy", "Local economy"),
    ("social-care", "Social care"),
    ("digital-services", "Digital services"),
    ("climate-energy", "Climate and energy"),
]
COUNTRIES = [
    ("IT", "Europe/Rome"),
    ("ES", "Europe/Madrid"),
    ("FR", "Europe/Paris"),
    ("DE", "Europe/Berlin"),
    ("PL", "Europe/Warsaw"),
    ("NL", "Europe/Amsterdam"),
    ("CN", "Asia/Shanghai"),
    ("KR", "Asia/Seoul"),
    ("ID", "Asia/Jakarta"),
    ("BR", "America/Sao_Paulo"),
    ("MX", "America/Mexico_City"),
    ("CA", "America/Toronto"),
    ("AU", "Australia/Sydney"),
    ("IN", "Asia/Kolkata"),
    ("JP", "Asia/Tokyo"),
]
EU = {"IT", "ES", "FR", "DE", "PL", "NL"}
WORDS = """
mask masks donation donated partner twinned city volunteer delivery food medicine quarantine
hospital beds testing results tracing contact phone message alert portal business small shop
tax relief rent waived public transport bus tram metro frequency crowding passengers drivers
night staff care home elderly people homeless shelter housing meals kitchen school children
teachers remote learning laptops internet digital service online platform data sharing
dashboard budget funding grant loan procurement tender suppliers equipment protective gloves
sanitiser cleaning waste collection recycling street market culture museum library concert
theatre festival artists streaming recovery resilience plan strategy cooperation exchange
experts meeting video conference council mayor office team network region national ministry
university survey citizens residents neighbourhood district community charity helpline
counselling mental health wellbeing isolation women migrants language campaign guidelines
distancing lockdown reopening terraces restaurants tourism cycling lanes walking parks green
trees climate energy heating vouchers subsidy employment jobs training skills workers
""".split()
# The word the benchmark searches for, and the practice whose page carries SHOWCASE_COMMENTS.
SEARCH_WORD = "masks"
SHOWCASE_PRACTICE_ID = 1
SHOWCASE_COMMENTS = 100


@dataclass
class Sizes:
    practices: int = 100_000
    cities: int = 300
    users: int = 50_000
    comments: int = 1_000_000
    exchanges: int = 10_000
    registrations_per_exchange: int = 10
    # Paragraphs of body text per practice, and whether to build the search index (the
    # growth test skips both to stay fast).
    paragraphs: int = 3
    search_index: bool = True


def _sentences(rng: random.Random, n: int, low: int, high: int) -> list[str]:
    return [
        " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize() + "." for _ in range(n)
    ]


def _sqlite_value(value):
    if isinstance(value, datetime):
        # What SQLAlchemy's SQLite DateTime stores (UTCDateTime hands it UTC, naive).
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def _insert(target, rows: list[dict]) -> None:
    """Bulk insert. On SQLite straight through the driver's executemany (about ten times
    faster than the ORM's per-row parameter processing), with the models' Python-side
    defaults filled in; elsewhere a core INSERT … executemany."""
    if not rows:
        return
    if db.engine.dialect.name != "sqlite":
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(target), rows[start : start + BATCH])
        return
    table = getattr(target, "__table__", target)
    given = list(rows[0])
    defaults = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        if column.default.is_scalar:
            defaults[column.name] = lambda v=column.default.arg: v
        elif column.default.is_callable:
            defaults[column.name] = lambda f=column.default.arg: f(None)
    names = given + list(defaults)
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})'
    makers = list(defaults.values())
    cursor = db.session.connection().connection.cursor()
    try:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                sql,
                [
                    tuple(_sqlite_value(row[n]) for n in given)
                    + tuple(_sqlite_value(m()) for m in makers)
                    for row in rows[start : start + BATCH]
                ],
            )
    finally:
        cursor.close()


def quick_search_index() -> int:
    """Fill SQLite's search index with one INSERT … SELECT instead of `reindex_all` (77 s at
    100,000 practices, nearly all of it rendering Markdown). The generator writes plain
    paragraphs, so the text a reader sees is the stored text: the index holds the same words.
    For tests that need an index at size (tests/perf/test_growth.py); returns the rows."""
    from babel import Locale

    from app.search import INDEX_TABLE, clear_index

    assert db.engine.dialect.name == "sqlite", "SQLite's FTS5 index only"
    names = Locale("en").territories
    codes = db.session.execute(text("SELECT DISTINCT country_code FROM city")).scalars().all()
    country = (
        "CASE c.country_code "
        + " ".join(
            f"WHEN '{code}' THEN '{names.get(code, code)}'" for code in codes if code.isalpha()
        )
        + " ELSE c.country_code END"
    )
    details = " || char(10) || ".join(
        f"coalesce(p.{c}, '')" for c in ("resources", "evidence", "difficulties", "transferability")
    )
    labels = (
        "SELECT group_concat(name, ' · ') FROM ("
        " SELECT t.name FROM practice_tag pt JOIN tag t ON t.id = pt.tag_id"
        " WHERE pt.practice_id = p.id"
        " UNION ALL SELECT th.name FROM practice_theme pth JOIN theme th ON th.id = pth.theme_id"
        " WHERE pth.practice_id = p.id)"
    )
    clear_index()
    inserted = db.session.execute(
        text(
            f"INSERT INTO {INDEX_TABLE} (rowid, title, summary, body, details, tags, place) "
            f"SELECT p.id, p.title, p.summary, p.body, {details}, coalesce(({labels}), ''), "
            f"c.name || ' ' || {country} "
            "FROM practice p JOIN city c ON c.id = p.city_id "
            "WHERE p.status = 'published' AND p.hidden_at IS NULL"
        )
    ).rowcount
    db.session.execute(text(f"INSERT INTO {INDEX_TABLE}({INDEX_TABLE}) VALUES ('optimize')"))
    db.session.commit()
    return inserted


def build(sizes: Sizes, log=print) -> dict:
    """Fill the (migrated, empty) database of the current app context; return what was built."""
    rng = random.Random(SEED)
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        db.session.execute(text("PRAGMA synchronous=OFF"))
        # A big page cache: with the default 2 MB, index pages of a large transaction are
        # spilled to the WAL and read back over and over.
        db.session.execute(text("PRAGMA cache_size=-400000"))

    # Cities and themes.
    cities = []
    for i in range(sizes.cities):
        code, zone = COUNTRIES[i % len(COUNTRIES)]
        cities.append(
            {
                "id": i + 1,
                "name": f"City {i + 1:03d}",
                "country_code": code,
                "is_eu": code in EU,
                "timezone": zone,
                "population": rng.choice([60_000, 250_000, 700_000, 2_500_000, 9_000_000]),
                "email_domains_text": f"city{i + 1}.example",
            }
        )
    _insert(City, cities)
    _insert(Theme, [{"id": i + 1, "slug": s, "name": n} for i, (s, n) in enumerate(THEMES)])
    tags = sorted(set(WORDS))[:120]
    _insert(Tag, [{"id": i + 1, "slug": w, "name": w} for i, w in enumerate(tags)])

    # Users: a tenth are officials of a city.
    users = []
    for i in range(1, sizes.users + 1):
        official = i % 10 == 0
        users.append(
            {
                "id": i,
                "email": f"user{i}@bench.example",
                "name": f"Person {i}",
                "password_hash": None,
                "role": "official" if official else "participant",
                "city_id": (i % sizes.cities) + 1 if official else None,
                "created_at": now - timedelta(days=900),
                "confirmed_at": now - timedelta(days=900),
                "session_token": f"{rng.getrandbits(128):032x}",
            }
        )
    _insert(User, users)
    officials = [u["id"] for u in users if u["role"] == "official"]
    del users
    db.session.commit()
    log(f"  cities, themes, tags, {sizes.users:,} users: {time.perf_counter() - started:.1f} s")

    # Practices, newest last; each on 1-3 themes with 0-3 tags.
    titles = _sentences(rng, 2_000, 4, 9)
    summaries = _sentences(rng, 2_000, 15, 30)
    paragraphs = [" ".join(rng.choices(_sentences(rng, 40, 8, 16), k=5)) for _ in range(400)]
    rare_pool = _sentences(rng, 500, 6, 10)
    oldest = now - timedelta(days=5 * 365)
    step = (now - oldest) / max(sizes.practices, 1)
    t0 = time.perf_counter()
    for start in range(1, sizes.practices + 1, BATCH):
        rows, themes, tagged = [], [], []
        for pid in range(start, min(start + BATCH, sizes.practices + 1)):
            when = oldest + step * pid
            body = "\n\n".join(rng.sample(paragraphs, sizes.paragraphs))
            if pid % 17 == 0:
                body += f"\n\nWe donated {SEARCH_WORD} to our twinned city."
            rows.append(
                {
                    "id": pid,
                    "city_id": rng.randint(1, sizes.cities),
                    "author_id": rng.choice(officials),
                    "status": "published",
                    "title": rng.choice(titles)[:200],
                    "summary": rng.choice(summaries)[:600],
                    "body": body,
                    "topic": rng.choice(["covid-19-response", "recovery", "resilience"]),
                    "implementation": "ongoing",
                    "resources": rng.choice(rare_pool),
                    "evidence": rng.choice(rare_pool),
                    "difficulties": rng.choice(rare_pool),
                    "transferability": rng.choice(rare_pool),
                    "contact": "",
                    "created_at": when,
                    "updated_at": when,
                    "submitted_at": when,
                    "published_at": when,
                }
            )
            for theme_id in rng.sample(range(1, len(THEMES) + 1), rng.randint(1, 3)):
                themes.append({"practice_id": pid, "theme_id": theme_id})
            for tag_id in rng.sample(range(1, len(tags) + 1), rng.randint(0, 3)):
                tagged.append({"practice_id": pid, "tag_id": tag_id})
        _insert(Practice, rows)
        _insert(practice_theme, themes)
        if tagged:
            _insert(practice_tag, tagged)
        db.session.commit()
    log(f"  {sizes.practices:,} practices: {time.perf_counter() - t0:.1f} s")

    # Exchanges: a tenth upcoming (scheduled), the rest held; each with registrations.
    t0 = time.perf_counter()
    agendas = _sentences(rng, 300, 20, 40)
    rows, invited, ex_themes, regs = [], [], [], []
    n_upcoming = max(sizes.exchanges // 10, 1)
    for eid in range(1, sizes.exchanges + 1):
        upcoming = eid > sizes.exchanges - n_upcoming
        if upcoming:
            starts = now + timedelta(hours=6 + (eid - sizes.exchanges + n_upcoming) * 17)
        else:
            starts = now - timedelta(hours=(sizes.exchanges - n_upcoming - eid + 1) * 4)
        host = rng.randint(1, sizes.cities)
        rows.append(
            {
                "id": eid,
                "title": rng.choice(titles)[:200],
                "agenda": rng.choice(agendas),
                "organiser_id": rng.choice(officials),
                "host_city_id": host,
                "starts_at": starts,
                "timezone": cities[host - 1]["timezone"],
                "duration_minutes": 90,
                "video_url": f"https://meet.jit.si/bench-{eid}",
                "capacity": 40,
                "registration_deadline": starts - timedelta(hours=2),
                "signup_closed": False,
                "status": "scheduled" if upcoming else "held",
                "minutes": "" if upcoming else rng.choice(agendas),
                "outcomes": "",
                "sequence": 0,
                "created_at": starts - timedelta(days=30),
                "updated_at": starts - timedelta(days=30),
                "held_at": None if upcoming else starts + timedelta(hours=2),
            }
        )
        for city_id in rng.sample(range(1, sizes.cities + 1), 3):
            if city_id != host:
                invited.append({"exchange_id": eid, "city_id": city_id})
        for theme_id in rng.sample(range(1, len(THEMES) + 1), 2):
            ex_themes.append({"exchange_id": eid, "theme_id": theme_id})
        for user_id in rng.sample(range(1, sizes.users + 1), sizes.registrations_per_exchange):
            regs.append(
                {
                    "exchange_id": eid,
                    "user_id": user_id,
                    "status": "confirmed",
                    "queued_at": starts - timedelta(days=10),
                    "created_at": starts - timedelta(days=10),
                    "updated_at": starts - timedelta(days=10),
                }
            )
    _insert(Exchange, rows)
    _insert(exchange_invited_city, invited)
    _insert(exchange_theme, ex_themes)
    _insert(Registration, regs)
    db.session.commit()
    log(
        f"  {sizes.exchanges:,} exchanges, {len(regs):,} registrations:"
        f" {time.perf_counter() - t0:.1f} s"
    )
    del rows, invited, ex_themes, regs

    # Comments go in faster with their indexes built afterwards (SQLite sorts once).
    comment_indexes = []
    if sqlite:
        comment_indexes = db.session.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name = 'comment' AND sql IS NOT NULL"
            )
        ).all()
        for name, _sql in comment_indexes:
            db.session.execute(text(f'DROP INDEX "{name}"'))

    # Comments: exactly SHOWCASE_COMMENTS on the showcase practice (a quarter are replies),
    # then the rest spread over the other practices (95 %) and exchanges (5 %), a fifth
    # of them replies to the first comment of their thread.
    t0 = time.perf_counter()
    texts = _sentences(rng, 1_000, 6, 30)
    next_id = 1
    batch: list[dict] = []

    def add(practice_id, exchange_id, parent_id, when) -> int:
        nonlocal next_id, batch
        batch.append(
            {
                "id": next_id,
                "practice_id": practice_id,
                "exchange_id": exchange_id,
                "parent_id": parent_id,
                "author_id": rng.randint(1, sizes.users),
                "body": rng.choice(texts),
                "status": "visible",
                "hidden_by_reports": False,
                "hidden_reason": "",
                "created_at": when,
            }
        )
        next_id += 1
        if len(batch) >= BATCH:
            _insert(Comment, batch)
            batch = []
        return next_id - 1

    showcase_when = now - timedelta(days=30)
    first = None
    for i in range(min(SHOWCASE_COMMENTS, sizes.comments)):
        when = showcase_when + timedelta(minutes=i)
        if i % 4 == 3 and first is not None:
            add(SHOWCASE_PRACTICE_ID, None, first, when)
        else:
            cid = add(SHOWCASE_PRACTICE_ID, None, None, when)
            first = first or cid
    remaining = sizes.comments - (next_id - 1)
    threads = max(remaining // 10, 1)
    per_thread = remaining // threads
    for t in range(threads):
        on_exchange = t % 20 == 19
        practice_id = None if on_exchange else rng.randint(2, max(sizes.practices, 2))
        exchange_id = rng.randint(1, sizes.exchanges) if on_exchange else None
        count = per_thread + (remaining - per_thread * threads if t == threads - 1 else 0)
        root = None
        when = now - timedelta(days=rng.randint(1, 1500))
        for j in range(count):
            when += timedelta(minutes=rng.randint(1, 600))
            parent = root if (root is not None and j % 5 == 4) else None
            cid = add(practice_id, exchange_id, parent, when)
            root = root or cid
    if batch:
        _insert(Comment, batch)
    for _name, sql in comment_indexes:
        db.session.execute(text(sql))
    db.session.commit()
    log(f"  {next_id - 1:,} comments: {time.perf_counter() - t0:.1f} s")

    if db.engine.dialect.name == "postgresql":
        for table in ("city", "theme", "tag", "user", "practice", "exchange", "comment"):
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'),"
                    f' (SELECT max(id) FROM "{table}"))'
                )
            )
        db.session.commit()

    if sizes.search_index:
        t0 = time.perf_counter()
        indexed = reindex_all()
        db.session.commit()
        log(f"  search index, {indexed:,} practices: {time.perf_counter() - t0:.1f} s")
    if sqlite:
        db.session.execute(text("PRAGMA cache_size=-2000"))  # back to SQLite's default
    if not sqlite:
        # As autovacuum would. On SQLite the app never runs ANALYZE, so neither does this:
        # the plans measured are those a deployment gets.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"version": GENERATOR_VERSION, **asdict(sizes), "seconds": time.perf_counter() - started}
