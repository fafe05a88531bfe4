"""One pagination helper for every list."""

from __future__ import annotations

from flask import current_app, request


def page_arg() -> int:
    """The requested page number; anything odd becomes 1."""
    raw = request.args.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        return 1
    return page if 1 <= page <= 100_000 else 1


def paginate(query, per_page: int | None = None):
    """Paginate a select() for the current request (two statements: rows and count)."""
    from app.extensions import db

    return db.paginate(
        query,
        page=page_arg(),
        per_page=per_page or current_app.config["PER_PAGE"],
        error_out=False,
        max_per_page=100,
    )
