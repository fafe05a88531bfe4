"""Reading practices: the filters shared by the feed, lists, Atom and (later) the API."""

from __future__ import annotations

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.caching import cached_fragment
from app.extensions import db
from app.models import City, Practice, PracticeStatus, Tag, Theme
from app.models.city import SIZE_BANDS, is_country_code
from app.models.practice import TOPICS, practice_tag, practice_theme
from app.search import (
    match_counts,
    matching_practice_ids,
    ranked_page,
    search_practices,
    search_terms,
)


@dataclass
class PracticeFilters:
    """Filters from a query string; invalid values are dropped, not trusted."""

    q: str = ""
    theme: str = ""
    city: int | None = None
    country: str = ""
    region: str = ""
    topic: str = ""
    tag: str = ""
    size: str = ""

    @classmethod
    def from_args(cls, args) -> PracticeFilters:
        city = args.get("city", "")
        country = (args.get("country") or "").strip().upper()
        region = (args.get("region") or "").strip().lower()
        topic = (args.get("topic") or "").strip()
        size = (args.get("size") or "").strip().lower()
        return cls(
            q=" ".join((args.get("q") or "").split())[:200],
            theme=(args.get("theme") or "").strip()[:64],
            city=int(city) if city.isdigit() and len(city) < 10 else None,
            country=country if is_country_code(country) else "",
            region=region if region in ("eu", "non-eu") else "",
            topic=topic if topic in TOPICS else "",
            tag=(args.get("tag") or "").strip()[:64],
            size=size if size in SIZE_BANDS else "",
        )

    def as_args(self, **changes) -> dict:
        data = {
            "q": self.q,
            "theme": self.theme,
            "city": self.city,
            "country": self.country,
            "region": self.region,
            "topic": self.topic,
            "tag": self.tag,
            "size": self.size,
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


def listed():
    """The condition for a practice to be in public lists: published and not hidden."""
    return (Practice.status == PracticeStatus.PUBLISHED) & Practice.hidden_at.is_(None)


def apply_filters(
    query: Select, filters: PracticeFilters, skip_theme: bool = False, skip_q: bool = False
) -> Select:
    """Narrow a select over Practice by the filters (Practice must be in the FROM).

    `skip_q` leaves the words to the caller, which joins the search ranking instead."""
    needs_city = filters.country or filters.region or filters.size
    if needs_city:
        query = query.join(City, City.id == Practice.city_id)
        if filters.country:
            query = query.where(City.country_code == filters.country)
        if filters.region:
            query = query.where(City.is_eu.is_(filters.region == "eu"))
        if filters.size:
            low, high = SIZE_BANDS[filters.size]
            query = query.where(City.population >= low)
            if high is not None:
                query = query.where(City.population < high)
    if filters.city is not None:
        query = query.where(Practice.city_id == filters.city)
    if filters.topic:
        query = query.where(Practice.topic == filters.topic)
    if filters.theme and not skip_theme:
        query = query.where(
            Practice.id.in_(
                select(practice_theme.c.practice_id)
                .join(Theme, Theme.id == practice_theme.c.theme_id)
                .where(Theme.slug == filters.theme)
            )
        )
    if filters.tag:
        query = query.where(
            Practice.id.in_(
                select(practice_tag.c.practice_id)
                .join(Tag, Tag.id == practice_tag.c.tag_id)
                .where(Tag.slug == filters.tag)
            )
        )
    if filters.q and not skip_q:
        query = query.where(Practice.id.in_(matching_practice_ids(filters.q)))
    return query


def with_card_data(query: Select) -> Select:
    """Eager-load what a practice card shows, in a fixed number of statements."""
    return query.options(
        joinedload(Practice.city),
        selectinload(Practice.themes),
        selectinload(Practice.tags),
    )


def _is_published(filters: PracticeFilters):
    """The status condition. With words to search for it is written as an expression: SQLite
    would otherwise walk the status index over every published practice and probe the
    full-text index for each (a second at 100,000), instead of starting from the matches."""
    if filters.q:
        return Practice.status.concat("") == PracticeStatus.PUBLISHED
    return Practice.status == PracticeStatus.PUBLISHED


def published_query(filters: PracticeFilters, *criteria) -> Select:
    """Published practices under the filters (and extra `criteria`): by relevance when there
    are words to search for, newest first otherwise."""
    query = select(Practice).where(_is_published(filters), Practice.hidden_at.is_(None), *criteria)
    query = apply_filters(query, filters, skip_q=True)
    if filters.q:
        return with_card_data(search_practices(filters.q, query))
    return with_card_data(query).order_by(Practice.published_at.desc(), Practice.id.desc())


class _IndexPagination(Pagination):
    """A page of search results ranked and cut inside the full-text index, then joined to
    `practice` for those rows only; the total is counted in the index. Same statements as
    a `db.paginate` of `published_query` (counts, rows, the card data's eager loads)."""

    def _query_items(self) -> list[Practice]:
        q = self._query_args["q"]
        # Counted first: how many have the words in their title decides what bm25 must rank.
        self._total, in_title = db.session.execute(match_counts(q)).one()
        page = ranked_page(q, self.per_page, self._query_offset, in_title)
        query = with_card_data(
            select(Practice)
            .join(page, page.c.practice_id == Practice.id)
            # The index holds listed practices only; checked again on the page's own rows.
            .where(listed())
            .order_by(page.c.tier, page.c.rank, Practice.id.desc())
        )
        return list(db.session.execute(query).unique().scalars())

    def _query_count(self) -> int:
        return self._total


class _CountedPagination(SelectPagination):
    """`db.paginate` of the listed practices under `filters` alone (no user's criteria): the
    total is a cached fragment, shared by every reader of those filters until content
    changes (app/caching.py); counting walks every match."""

    def _query_count(self) -> int:
        filters = self._query_args["filters"]
        return cached_fragment(
            "practice_count", tuple(sorted(filters.as_args().items())), super()._query_count
        )


def _words_only(filters: PracticeFilters, criteria) -> bool:
    """Only words to search for: the full-text index alone (listed practices) answers."""
    return set(filters.as_args()) == {"q"} and not criteria and bool(search_terms(filters.q))


def paginate_practices(
    filters: PracticeFilters,
    *criteria,
    page: int,
    per_page: int,
    max_per_page: int | None = 100,
) -> Pagination:
    """One page of `published_query(filters, *criteria)` with its total.

    With words and no other filter, the ranking, the page cut and the count happen in the
    full-text index (which holds the listed practices only), so the cost follows the page
    size rather than the number of matches. Any other filter keeps the join plan, which
    applies them to every match before ranking."""
    if _words_only(filters, criteria):
        return _IndexPagination(
            page=page, per_page=per_page, max_per_page=max_per_page, error_out=False, q=filters.q
        )
    if not criteria:
        return _CountedPagination(
            select=published_query(filters),
            session=db.session(),
            filters=filters,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=False,
        )
    return db.paginate(
        published_query(filters, *criteria),
        page=page,
        per_page=per_page,
        max_per_page=max_per_page,
        error_out=False,
    )


def theme_counts(filters: PracticeFilters, *criteria) -> dict[int, int]:
    """Published practices per theme under the other filters (one statement). With words
    only, the matches come from the index (listed practices) without joining `practice`.
    Without a user's criteria the result is a cached fragment (app/caching.py)."""
    if not criteria:
        parts = tuple(sorted(filters.as_args().items()))
        return cached_fragment("theme_counts", parts, lambda: _theme_counts(filters))
    return _theme_counts(filters, *criteria)


def _theme_counts(filters: PracticeFilters, *criteria) -> dict[int, int]:
    query = select(practice_theme.c.theme_id, func.count()).group_by(practice_theme.c.theme_id)
    if _words_only(filters, criteria):
        return dict(
            db.session.execute(
                query.where(practice_theme.c.practice_id.in_(matching_practice_ids(filters.q)))
            ).all()
        )
    query = (
        query.select_from(Practice)
        .join(practice_theme, practice_theme.c.practice_id == Practice.id)
        .where(_is_published(filters), Practice.hidden_at.is_(None), *criteria)
    )
    query = apply_filters(query, filters, skip_theme=True)
    return dict(db.session.execute(query).all())


def related_practices(practice: Practice, limit: int = 5) -> list[Practice]:
    """Other published practices sharing a theme, newest first."""
    theme_ids = [t.id for t in practice.themes]
    if not theme_ids:
        return []
    query = with_card_data(
        select(Practice)
        .where(listed(), Practice.id != practice.id)
        .where(
            Practice.id.in_(
                select(practice_theme.c.practice_id).where(practice_theme.c.theme_id.in_(theme_ids))
            )
        )
        .order_by(Practice.published_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


def similar_size_practices(practice: Practice, limit: int = 5) -> list[Practice]:
    """Published practices on the same themes from other cities in the same population band."""
    band = practice.city.size_band
    theme_ids = [t.id for t in practice.themes]
    if band is None or not theme_ids:
        return []
    filters = PracticeFilters(size=band)
    query = (
        select(Practice)
        .where(
            listed(),
            Practice.city_id != practice.city_id,
            Practice.id.in_(
                select(practice_theme.c.practice_id).where(practice_theme.c.theme_id.in_(theme_ids))
            ),
        )
        .order_by(Practice.published_at.desc(), Practice.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(with_card_data(apply_filters(query, filters))).unique())


def all_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.name)))


def all_cities() -> list[City]:
    return list(db.session.scalars(select(City).order_by(City.name)))
