"""Reading search results the way a visitor does: through /practices/?q=."""

from __future__ import annotations

import re
from html import unescape

CARD_TITLE = re.compile(r'<article class="card practice-card">\s*<h3><a href="/practices/(\d+)">')


def found_ids(client, q: str, **filters) -> list[int]:
    """Practice ids listed (in order) on the first page of results for `q`."""
    response = client.get("/practices/", query_string={"q": q, **filters})
    assert response.status_code == 200, response.status_code
    main = response.get_data(as_text=True).split("<main", 1)[1]
    return [int(i) for i in CARD_TITLE.findall(main)]


def visible_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))
