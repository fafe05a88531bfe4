"""Full-text search behind one interface: SQLite FTS5 (bm25) or PostgreSQL tsvector (GIN).

The index holds published content only. The services call `index_practice` /
`unindex_practice` in the same transaction as the change, so the index never lags the
content; `reindex_all` (``flask search reindex``) rebuilds it from scratch. The schema is
created by migration 0004_search for each dialect and is not part of the models.

Ranking: practices with every word in their title come first, then the others; each group is
ordered by bm25 (ts_rank on PostgreSQL), ties to the newer id. On SQLite the words-only page
asks bm25 only for the group it falls in (see `ranked_page`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3
from babel import Locale
from markupsafe import Markup, escape
from sqlalchemy import (
    Integer,
    Select,
    Text,
    bindparam,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import selectinload

from app.extensions import db

INDEX_TABLE = "practice_search"
TEXT_COLUMNS = ("title", "summary", "body", "details", "tags", "place")
# bm25 weights, in TEXT_COLUMNS order: a title match outranks anything else.
BM25_WEIGHTS = (10.0, 4.0, 1.0, 1.0, 5.0, 3.0)
# PostgreSQL: title A, tags and place B, summary C, body and structured fields D.
PG_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"

# Highlight markers from the private-use area; stripped from indexed text so that only the
# highlighter can produce them, then turned into <mark> after everything else is escaped.
START, END = "\ue000", "\ue001"
MAX_TERMS = 12
MAX_TERM_LENGTH = 40
_WORD = re.compile(r"[^\W_]+")
# PostgreSQL's English stop words (tsearch_data/english.stop): dropped on both databases so
# that a query means the same everywhere ("masks OR gloves" looks for masks and gloves).
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what
    which who whom this that these those am is are was were be been being have has had
    having do does did doing a an the and but if or because as until while of at by for
    with about against between into through during before after above below to from up
    down in out on off over under again further then once here there when where why how
    all any both each few more most other some such no nor not only own same so than too
    very s t can will just don should now
    """.split()
)
_ENGLISH = Locale("en")


def is_search_table(name: str) -> bool:
    """The index table and, on SQLite, the FTS5 shadow tables behind it."""
    return name == INDEX_TABLE or name.startswith(INDEX_TABLE + "_")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: the search schema lives in migrations only, not in the models."""
    if type_ == "table" and is_search_table(name or ""):
        return False
    if type_ == "index" and is_search_table(getattr(obj.table, "name", "") or ""):
        return False
    return True


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# -- what is indexed ----------------------------------------------------------------------------


def _plain(value: str | None) -> str:
    return (value or "").replace(START, "").replace(END, "")


def _markdown_text(source: str | None) -> str:
    """Markdown as the words a reader sees: rendered, tags dropped, entities decoded."""
    from app.markdown import render_markdown

    if not source:
        return ""
    return _plain(html.unescape(nh3.clean(str(render_markdown(source)), tags=set())))


def practice_document(practice) -> dict[str, str]:
    """The text of a practice, by index column."""
    details = [
        _markdown_text(practice.resources),
        _markdown_text(practice.evidence),
        _markdown_text(practice.difficulties),
        _markdown_text(practice.transferability),
        _plain(practice.contact),
    ]
    city = practice.city
    labels = [t.name for t in practice.tags] + [t.name for t in practice.themes]
    return {
        "title": _plain(practice.title),
        "summary": _plain(practice.summary),
        "body": _markdown_text(practice.body),
        "details": "\n".join(d for d in details if d),
        "tags": _plain(" · ".join(labels)),
        "place": _plain(
            f"{city.name} {_ENGLISH.territories.get(city.country_code, city.country_code)}"
        ),
    }


# -- writing the index --------------------------------------------------------------------------

_SQLITE_DELETE = text(f"DELETE FROM {INDEX_TABLE} WHERE rowid = :id")
_SQLITE_INSERT = text(
    f"INSERT INTO {INDEX_TABLE} (rowid, {', '.join(TEXT_COLUMNS)}) "
    f"VALUES (:id, {', '.join(':' + c for c in TEXT_COLUMNS)})"
)
_PG_DELETE = text(f"DELETE FROM {INDEX_TABLE} WHERE practice_id = :id")
_PG_UPSERT = text(
    f"INSERT INTO {INDEX_TABLE} (practice_id, {', '.join(TEXT_COLUMNS)}, document) "
    f"VALUES (:id, {', '.join(':' + c for c in TEXT_COLUMNS)}, "
    "setweight(to_tsvector('english', :title), 'A')"
    " || setweight(to_tsvector('english', :tags || ' ' || :place), 'B')"
    " || setweight(to_tsvector('english', :summary), 'C')"
    " || setweight(to_tsvector('english', :body || ' ' || :details), 'D')) "
    "ON CONFLICT (practice_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in (*TEXT_COLUMNS, "document"))
)


def _write(rows: list[dict]) -> None:
    if not rows:
        return
    if _dialect() == "sqlite":
        db.session.execute(_SQLITE_DELETE, [{"id": r["id"]} for r in rows])
        db.session.execute(_SQLITE_INSERT, rows)
    else:
        db.session.execute(_PG_UPSERT, rows)


def index_practice(practice) -> None:
    """Put a practice's current text in the index if it is listed (published and not hidden),
    else take it out. The index holds exactly the listed practices: `ranked_page` and
    `count_matches` rely on it and do not look at `practice` to decide what is found."""
    from app.models import PracticeStatus

    if practice.status != PracticeStatus.PUBLISHED or practice.hidden_at is not None:
        unindex_practice(practice.id)
        return
    _write([{"id": practice.id, **practice_document(practice)}])


def unindex_practice(practice_id: int) -> None:
    """Take a practice out of the index (no-op when it is not there)."""
    statement = _SQLITE_DELETE if _dialect() == "sqlite" else _PG_DELETE
    db.session.execute(statement, {"id": practice_id})


def clear_index(connection=None) -> None:
    """Empty the index (reindex_all, and the tests between cases)."""
    (connection or db.session).execute(text(f"DELETE FROM {INDEX_TABLE}"))


def reindex_all(batch_size: int = 1000) -> int:
    """Rebuild the index from the listed (published, not hidden) practices; returns how many
    were indexed."""
    from app.models import Practice, PracticeStatus

    clear_index()
    count = 0
    last_id = 0
    while True:
        batch = db.session.scalars(
            select(Practice)
            .where(
                Practice.status == PracticeStatus.PUBLISHED,
                Practice.hidden_at.is_(None),
                Practice.id > last_id,
            )
            .options(
                selectinload(Practice.city),
                selectinload(Practice.tags),
                selectinload(Practice.themes),
            )
            .order_by(Practice.id)
            .limit(batch_size)
        ).all()
        if not batch:
            break
        _write([{"id": p.id, **practice_document(p)} for p in batch])
        count += len(batch)
        last_id = batch[-1].id
        db.session.expunge_all()
    if _dialect() == "sqlite":
        db.session.execute(text(f"INSERT INTO {INDEX_TABLE}({INDEX_TABLE}) VALUES ('optimize')"))
    return count


# -- reading the index --------------------------------------------------------------------------


def search_terms(query_text: str | None) -> list[str]:
    """The words of a query, nothing else: operators, quotes and symbols cannot get through."""
    seen: dict[str, None] = {}
    for word in _WORD.findall((query_text or "")[:1000]):
        word = word[:MAX_TERM_LENGTH].lower()
        if word in STOP_WORDS:
            continue
        seen.setdefault(word, None)
        if len(seen) == MAX_TERMS:
            break
    return list(seen)


def _fts5_expression(terms: list[str]) -> str:
    # Each term quoted: FTS5 reads it as a string, never as NEAR/AND/OR/NOT or a column filter.
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _fts5_in_title(terms: list[str]) -> str:
    return f"{{title}} : ({_fts5_expression(terms)})"


def _fts5_tiers(terms: list[str]) -> tuple[str, str]:
    """The two FTS5 expressions that split the matches: every word in the title (first
    tier), and the rest. The first also repeats the words over all columns, so that bm25
    ranks a title match by the whole practice (its title counted twice), not the title alone."""
    words = _fts5_expression(terms)
    in_title = _fts5_in_title(terms)
    return f"({words}) AND ({in_title})", f"({words}) NOT ({in_title})"


_fts = table(INDEX_TABLE, column("rowid"), *(column(c) for c in TEXT_COLUMNS))
_pg = table(
    INDEX_TABLE, column("practice_id"), column("document"), *(column(c) for c in TEXT_COLUMNS)
)
_ENGLISH_CONFIG = literal_column("'english'::regconfig")
# A quoted lexeme in the text form of a tsquery ('' is an escaped quote inside it).
_LEXEME = "'(?:[^']|'')*'"


def _tsquery(terms: list[str]):
    return func.plainto_tsquery(_ENGLISH_CONFIG, bindparam("search_q", " ".join(terms)))


def _title_tsquery(terms: list[str]):
    """The same query with every lexeme restricted to weight A (the title): each quoted
    lexeme of plainto_tsquery's text form gets ':A', so the words stay the user's words."""
    words = func.plainto_tsquery(_ENGLISH_CONFIG, bindparam("search_title_q", " ".join(terms)))
    return cast(
        func.regexp_replace(cast(words, Text), _LEXEME, r"\&:A", "g"),
        TSQUERY,
    )


def _fts5_match(expression: str, name: str = "search_q"):
    return literal_column(INDEX_TABLE).op("MATCH")(bindparam(name, expression))


def _sqlite_tier(expression: str, tier: int, name: str) -> Select:
    bm25 = func.bm25(literal_column(INDEX_TABLE), *BM25_WEIGHTS)
    return select(
        _fts.c.rowid.label("practice_id"), literal(tier).label("tier"), bm25.label("rank")
    ).where(_fts5_match(expression, name))


def _matches(terms: list[str], ranked: bool = True):
    """A subquery (practice_id, tier, rank) of the matching practices, best first by tier
    (0: every word in the title) then rank (lower is better)."""
    if _dialect() == "sqlite":
        if not ranked:
            return (
                select(
                    _fts.c.rowid.label("practice_id"),
                    null().label("tier"),
                    null().label("rank"),
                )
                .where(_fts5_match(_fts5_expression(terms)))
                .subquery("search_matches")
            )
        first, rest = _fts5_tiers(terms)
        return union_all(
            _sqlite_tier(first, 0, "search_title_q"), _sqlite_tier(rest, 1, "search_rest_q")
        ).subquery("search_matches")
    query = _tsquery(terms)
    if ranked:
        rank = -func.ts_rank(literal_column(f"'{PG_WEIGHTS}'::float4[]"), _pg.c.document, query)
        tier = case((_pg.c.document.op("@@")(_title_tsquery(terms)), 0), else_=1)
    else:
        rank = tier = null()
    return (
        select(_pg.c.practice_id.label("practice_id"), tier.label("tier"), rank.label("rank"))
        .where(_pg.c.document.op("@@")(query))
        .subquery("search_matches")
    )


def matching_practice_ids(query_text: str) -> Select:
    """A select of the ids of published practices matching the query (for IN filters)."""
    terms = search_terms(query_text)
    if not terms:
        return select(cast(null(), Integer)).where(false())
    matches = _matches(terms, ranked=False)
    return select(matches.c.practice_id)


def search_practices(query_text: str, base_select: Select) -> Select:
    """`base_select` (over Practice) narrowed to matches and ordered by relevance, best first:
    practices with every word in the title, then the others, each by bm25 / ts_rank."""
    from app.models import Practice

    terms = search_terms(query_text)
    if not terms:
        return base_select.where(false())
    matches = _matches(terms)
    return (
        base_select.join(matches, matches.c.practice_id == Practice.id)
        .order_by(None)
        .order_by(matches.c.tier, matches.c.rank, Practice.id.desc())
    )


def ranked_page(query_text: str, limit: int, offset: int = 0, in_title: int | None = None):
    """A subquery (practice_id, tier, rank) of one page of matches, best first, ranked and
    cut inside the index: only `limit` rows leave it, so the caller joins `practice` for
    those alone. The index holds the listed practices only (see `index_practice`); use it
    when no filter other than the words applies. Ties go to the newer id, as in
    `search_practices`.

    On SQLite, `in_title` (from `match_counts`) is how many practices have every word in
    their title: bm25 is then computed only for the tier(s) the page falls in, so the first
    page of a common word ranks its title matches (hundreds) rather than all its matches
    (tens of thousands). PostgreSQL ranks in one statement and does not need it."""
    terms = search_terms(query_text)
    if not terms:
        return (
            select(
                cast(null(), Integer).label("practice_id"),
                cast(null(), Integer).label("tier"),
                cast(null(), Integer).label("rank"),
            )
            .where(false())
            .subquery("search_page")
        )
    if _dialect() != "sqlite" or in_title is None:
        matches = _matches(terms)
        return (
            select(matches.c.practice_id, matches.c.tier, matches.c.rank)
            .order_by(matches.c.tier, matches.c.rank, matches.c.practice_id.desc())
            .limit(limit)
            .offset(offset)
            .subquery("search_page")
        )
    first, rest = _fts5_tiers(terms)
    arms = []
    if offset < in_title:
        arms.append((first, 0, "search_title_q", min(limit, in_title - offset), offset))
    if offset + limit > in_title:
        taken = max(in_title - offset, 0)
        arms.append((rest, 1, "search_rest_q", limit - taken, max(offset - in_title, 0)))
    selects = []
    for expression, tier, name, count, skip in arms:
        arm = _sqlite_tier(expression, tier, name)
        arm = arm.order_by(arm.selected_columns.rank, _fts.c.rowid.desc()).limit(count).offset(skip)
        selects.append(select(arm.subquery()))
    page = selects[0] if len(selects) == 1 else union_all(*selects)
    return page.subquery("search_page")


def match_counts(query_text: str) -> Select:
    """A select of (matches, matches with every word in the title), counted in the index
    alone. The second is NULL on PostgreSQL, which does not use it (see `ranked_page`)."""
    terms = search_terms(query_text)
    if not terms:
        return select(literal(0), literal(0))
    if _dialect() != "sqlite":
        return select(func.count(), null()).select_from(_matches(terms, ranked=False))

    def count(expression, name):
        return (
            select(func.count())
            .select_from(_fts)
            .where(_fts5_match(expression, name))
            .scalar_subquery()
        )

    # Every word in the title implies every word in the practice: the title filter alone.
    return select(
        count(_fts5_expression(terms), "search_q"),
        count(_fts5_in_title(terms), "search_title_q"),
    )


@dataclass(frozen=True)
class Snippet:
    """Safe HTML: the title and a passage with the matching words in <mark>."""

    title: Markup
    text: Markup


def _markup(highlighted: str | None) -> Markup:
    """Escape everything, then turn our markers (and only them) into <mark>."""
    escaped = str(escape(highlighted or ""))
    return Markup(escaped.replace(START, "<mark>").replace(END, "</mark>"))


def practice_snippets(query_text: str, practice_ids: list[int]) -> dict[int, Snippet]:
    """Highlighted title and passage for each listed practice (one statement)."""
    terms = search_terms(query_text)
    if not terms or not practice_ids:
        return {}
    ids = bindparam("ids", list(practice_ids), expanding=True)
    if _dialect() == "sqlite":
        parts = [f"highlight({INDEX_TABLE}, 0, '{START}', '{END}')"] + [
            f"snippet({INDEX_TABLE}, {i}, '{START}', '{END}', '…', 30)" for i in (1, 2, 3)
        ]
        statement = text(
            f"SELECT rowid, {', '.join(parts)} FROM {INDEX_TABLE} "
            f"WHERE {INDEX_TABLE} MATCH :search_q AND rowid IN :ids"
        ).bindparams(ids, search_q=_fts5_expression(terms))
    else:
        options = f"StartSel={START}, StopSel={END}"
        passage = f'{options}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
        parts = [f"ts_headline('english', title, q, '{options}, HighlightAll=true')"] + [
            f"ts_headline('english', {c}, q, '{passage}')" for c in ("summary", "body", "details")
        ]
        statement = text(
            f"SELECT practice_id, {', '.join(parts)} "
            f"FROM {INDEX_TABLE}, plainto_tsquery('english', :search_q) AS q "
            "WHERE practice_id IN :ids"
        ).bindparams(ids, search_q=" ".join(terms))
    result = {}
    for practice_id, title, *passages in db.session.execute(statement):
        best = next((p for p in passages if p and START in p), passages[0])
        result[practice_id] = Snippet(title=_markup(title), text=_markup(best))
    return result
