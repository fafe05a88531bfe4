"""Plain JSON for the API and the open data: public fields only, times in UTC with offset."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, url_for


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _abs(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def city(c) -> dict:
    return {
        "id": c.id,
        "name": c.name,
        "country": c.country_code,
        "country_name": c.country_name,
        "eu": c.is_eu,
        "timezone": c.timezone,
        "population": c.population,
        "url": _abs("browse.city", city_id=c.id),
    }


def theme(t) -> dict:
    return {"slug": t.slug, "name": t.display_name, "url": _abs("browse.theme", slug=t.slug)}


def practice(p, full: bool = False) -> dict:
    data = {
        "id": p.id,
        "title": p.title,
        "summary": p.summary,
        "city": {
            "id": p.city.id,
            "name": p.city.name,
            "country": p.city.country_code,
            "eu": p.city.is_eu,
        },
        "themes": [t.slug for t in p.themes],
        "tags": [t.name for t in p.tags],
        "topic": p.topic,
        "implementation": p.implementation,
        "started_on": p.started_on.isoformat() if p.started_on else None,
        "published_at": iso(p.published_at),
        "updated_at": iso(p.updated_at),
        "url": _abs("practices.detail", practice_id=p.id),
    }
    if full:
        data.update(
            {
                "body": p.body,
                "resources": p.resources,
                "evidence": p.evidence,
                "difficulties": p.difficulties,
                "transferability": p.transferability,
                "contact": p.contact,
            }
        )
    return data


def exchange(e, counts: dict, video_url: str | None = None) -> dict:
    return {
        "id": e.id,
        "title": e.title,
        "agenda": e.agenda,
        "status": e.status,
        "host_city": {"id": e.host_city.id, "name": e.host_city.name},
        "invited_cities": [{"id": c.id, "name": c.name} for c in e.invited_cities],
        "themes": [t.slug for t in e.themes],
        "starts_at": iso(e.starts_at),
        "ends_at": iso(e.ends_at),
        "timezone": e.timezone,
        "duration_minutes": e.duration_minutes,
        "capacity": e.capacity,
        "seats_left": max(0, e.capacity - counts.get("confirmed", 0)),
        "waitlist_count": counts.get("waitlisted", 0),
        "registration_deadline": iso(e.registration_deadline),
        "signup_open": e.signup_open(),
        "video_url": video_url,
        "url": _abs("exchanges.detail", exchange_id=e.id),
        "ics_url": _abs("exchanges.ics", exchange_id=e.id),
    }
