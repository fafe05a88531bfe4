"""Test data builders. Each runs in a short app context, commits, and returns plain data."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import City, Theme, User
from app.timeutil import utcnow

PASSWORD = "correct horse 42 battery"
_seq = itertools.count(1)
_hashes: dict[str, str] = {}


def cheap_hash(password: str) -> str:
    """A fast hash for test accounts; check_password_hash reads the method from the hash."""
    if password not in _hashes:
        _hashes[password] = generate_password_hash(password, method="pbkdf2:sha256:1000")
    return _hashes[password]


class Factory:
    """Creates rows for tests; pass the app once."""

    def __init__(self, app):
        self.app = app

    def city(
        self, name=None, country="IT", timezone="Europe/Rome", population=500_000, domains=None
    ) -> SimpleNamespace:
        n = next(_seq)
        with self.app.app_context():
            city = City(
                name=name or f"City {n}",
                country_code=country,
                timezone=timezone,
                population=population,
            )
            city.email_domains = domains if domains is not None else [f"city{n}.example"]
            db.session.add(city)
            db.session.commit()
            return SimpleNamespace(
                id=city.id, name=city.name, domains=city.email_domains, is_eu=city.is_eu
            )

    def theme(self, slug=None, name=None) -> SimpleNamespace:
        n = next(_seq)
        with self.app.app_context():
            theme = Theme(slug=slug or f"theme-{n}", name=name or f"Theme {n}")
            db.session.add(theme)
            db.session.commit()
            return SimpleNamespace(id=theme.id, slug=theme.slug, name=theme.name)

    def user(
        self,
        role="participant",
        city_id=None,
        email=None,
        name=None,
        password=PASSWORD,
        confirmed=True,
        locale="en",
        timezone="UTC",
        blocked=False,
        created_at=None,
    ) -> SimpleNamespace:
        n = next(_seq)
        with self.app.app_context():
            user = User(
                email=(email or f"person{n}@example.net").lower(),
                name=name or f"Person {n}",
                role=role,
                city_id=city_id,
                locale=locale,
                timezone=timezone,
                confirmed_at=utcnow() if confirmed else None,
                blocked_at=utcnow() if blocked else None,
            )
            if created_at is not None:
                user.created_at = created_at
            # The production cost (scrypt) is paid where the app hashes; test data need not.
            user.password_hash = cheap_hash(password)
            user.password_version = 1
            db.session.add(user)
            db.session.commit()
            return SimpleNamespace(
                id=user.id,
                email=user.email,
                name=user.name,
                password=password,
                role=role,
                city_id=city_id,
            )
