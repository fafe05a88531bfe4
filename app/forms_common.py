"""Form pieces shared by several features: choices and validators."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.models import City
from app.timeutil import all_timezones, is_valid_timezone

# A short list of passwords people pick first; length rules catch most of the rest.
COMMON_PASSWORDS = frozenset(
    """password password1 password123 passw0rd 123456789 1234567890 12345678910 qwertyuiop
    qwerty123 iloveyou letmein welcome welcome1 welcome123 admin123 administrator
    sunshine1 football1 princess1 dragon123 monkey123 abc123456 changeme trustno1
    azertyuiop motdepasse contrasena passwort""".split()
)


def check_password_strength(password: str, email: str = "", name: str = "") -> str | None:
    """Why `password` is too weak, or None when it is acceptable."""
    if len(password) < 10:
        return _l("Use at least 10 characters.")
    if len(password) > 200:
        return _l("Use at most 200 characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 5:
        return _l("This password is too easy to guess.")
    if not re.search(r"[A-Za-z\u00C0-\uFFFF]", password) or not re.search(
        r"[^A-Za-z\u00C0-\uFFFF]", password
    ):
        return _l("Mix letters with digits, spaces or symbols.")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return _l("Do not use your e-mail address in the password.")
    for part in name.lower().split():
        if len(part) >= 4 and part in lowered:
            return _l("Do not use your name in the password.")
    return None


class StrongPassword:
    """WTForms validator using check_password_strength with the form's email and name."""

    def __call__(self, form, field) -> None:
        email = getattr(getattr(form, "email", None), "data", "") or getattr(
            form, "_account_email", ""
        )
        name = getattr(getattr(form, "name", None), "data", "") or getattr(
            form, "_account_name", ""
        )
        problem = check_password_strength(field.data or "", email or "", name or "")
        if problem:
            raise ValidationError(problem)


class ValidTimezone:
    def __call__(self, form, field) -> None:
        if not is_valid_timezone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))


def options(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def city_choices(blank: str | None = None) -> list[tuple[str, str]]:
    cities = db.session.scalars(select(City).order_by(City.name)).all()
    choices = [(str(c.id), f"{c.name} ({c.country_name})") for c in cities]
    if blank is not None:
        choices.insert(0, ("", blank))
    return options(choices)


def timezone_choices() -> list[tuple[str, str]]:
    return options((z, z.replace("_", " ")) for z in all_timezones())


def language_choices() -> list[tuple[str, str]]:
    return options(current_app.config["LANGUAGES"].items())
