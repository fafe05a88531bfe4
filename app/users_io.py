"""Creating accounts for operators: one at a time, or a whole delegation from a CSV file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from sqlalchemy import func, select

from app.auth.services import find_user_by_email, normalise_email
from app.extensions import db
from app.forms_common import check_password_strength
from app.mail import N_, queue_mail
from app.models import City, Role, User
from app.security import make_token
from app.timeutil import utcnow


class ImportError_(Exception):
    """Rows were refused; nothing was imported."""

    def __init__(self, refusals: list[tuple[int, str]]):
        super().__init__(f"{len(refusals)} row(s) refused")
        self.refusals = refusals


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    invited: list[User] = field(default_factory=list)


def _city_by_name(name: str) -> City | None:
    return db.session.scalar(select(City).where(func.lower(City.name) == name.strip().lower()))


def create_user(
    email: str,
    password: str | None,
    role: str,
    city_name: str | None = None,
    name: str | None = None,
) -> User:
    """A confirmed account; raises ValueError with the reason when a rule is broken."""
    problems = _check_row(email, name or email.split("@")[0], role, city_name, password, set())
    if problems:
        raise ValueError("; ".join(problems))
    user = _build(email, name or email.split("@")[0], role, city_name, password)
    db.session.add(user)
    db.session.flush()
    return user


def _check_row(email, name, role, city_name, password, seen: set[str]) -> list[str]:
    problems = []
    try:
        email = validate_email(email or "", check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        problems.append(f"invalid e-mail address ({error})")
        email = None
    if email:
        if email in seen:
            problems.append("e-mail address appears twice in the file")
        elif find_user_by_email(email) is not None:
            problems.append("an account with this e-mail address already exists")
        seen.add(email)
    if not (name or "").strip():
        problems.append("name is empty")
    if role not in {r.value for r in Role}:
        problems.append(f"unknown role {role!r} (participant, official, moderator, admin)")
    city = None
    if city_name:
        city = _city_by_name(city_name)
        if city is None:
            problems.append(f"unknown city {city_name!r}")
    elif role == Role.OFFICIAL.value:
        problems.append("an official needs a city")
    if password:
        weakness = check_password_strength(password, email or "", name or "")
        if weakness:
            problems.append(f"weak password: {weakness}")
    return problems


def _build(email, name, role, city_name, password) -> User:
    city = _city_by_name(city_name) if city_name else None
    user = User(
        email=normalise_email(validate_email(email, check_deliverability=False).normalized),
        name=name.strip(),
        role=role,
        city_id=city.id if city else None,
        timezone=city.timezone if city else "UTC",
        confirmed_at=utcnow(),
    )
    if password:
        user.set_password(password)
    else:
        user.password_version = 0
    return user


def import_users(text: str) -> ImportResult:
    """Import every row or none. Raises ImportError_ listing each refused row and why."""
    reader = csv.DictReader(io.StringIO(text))
    required = {"email", "name", "role", "city"}
    missing = required - set(reader.fieldnames or [])
    if missing:
        raise ImportError_([(1, f"missing column(s): {', '.join(sorted(missing))}")])
    rows = list(reader)
    refusals: list[tuple[int, str]] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        problems = _check_row(
            (row.get("email") or "").strip(),
            (row.get("name") or "").strip(),
            (row.get("role") or "").strip().lower(),
            (row.get("city") or "").strip() or None,
            (row.get("password") or "").strip() or None,
            seen,
        )
        if problems:
            refusals.append((number, "; ".join(problems)))
    if not rows:
        refusals.append((1, "the file has no rows"))
    if refusals:
        raise ImportError_(refusals)
    result = ImportResult()
    for row in rows:
        password = (row.get("password") or "").strip() or None
        user = _build(
            row["email"].strip(),
            row["name"].strip(),
            row["role"].strip().lower(),
            (row.get("city") or "").strip() or None,
            password,
        )
        db.session.add(user)
        db.session.flush()
        result.created.append(user)
        if not password:
            token = make_token("reset", {"uid": user.id, "v": user.password_version})
            queue_mail(
                user,
                N_("Welcome to Urban Exchange: choose your password"),
                "welcome",
                link=current_app.config["BASE_URL"] + url_for("auth.reset_password", token=token),
            )
            result.invited.append(user)
    return result
