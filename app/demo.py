"""Demo data drawn from the March 2020 city-to-city video conference."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.mail import N_
from app.models import City, Role, Theme, User
from app.timeutil import utcnow

# name, ISO country, IANA zone, population (city proper, rounded), official mail domains
CITIES = [
    ("Guangzhou", "CN", "Asia/Shanghai", 18_676_605, ["gz.gov.cn"]),
    ("Gwangju", "KR", "Asia/Seoul", 1_441_970, ["gwangju.go.kr"]),
    ("Jakarta", "ID", "Asia/Jakarta", 10_562_088, ["jakarta.go.id"]),
    ("Mannheim", "DE", "Europe/Berlin", 309_370, ["mannheim.de"]),
    ("Stuttgart", "DE", "Europe/Berlin", 630_305, ["stuttgart.de"]),
    ("Barcelona", "ES", "Europe/Madrid", 1_636_762, ["bcn.cat"]),
    ("Granada", "ES", "Europe/Madrid", 232_208, ["granada.org"]),
    ("Nice", "FR", "Europe/Paris", 342_669, ["ville-nice.fr"]),
    ("Rome", "IT", "Europe/Rome", 2_761_632, ["comune.roma.it"]),
    ("Bologna", "IT", "Europe/Rome", 388_367, ["comune.bologna.it"]),
    ("Changsha", "CN", "Asia/Shanghai", 10_047_914, ["changsha.gov.cn"]),
    ("Liuzhou", "CN", "Asia/Shanghai", 4_157_934, ["liuzhou.gov.cn"]),
]

# slug, English name (marked for translation; the catalogue carries the other languages)
THEMES = [
    ("culture", N_("Culture")),
    ("food", N_("Food")),
    ("homelessness", N_("Homelessness")),
    ("procurement", N_("Procurement")),
    ("volunteers", N_("Volunteers")),
    ("waste-management", N_("Waste management")),
    ("health", N_("Health")),
    ("mobility-transport", N_("Mobility and transport")),
    ("local-economy", N_("Local economy")),
    ("social-care", N_("Social care")),
    ("digital-services", N_("Digital services")),
    ("climate-energy", N_("Climate and energy")),
]

DEMO_PASSWORD = "demo-password-2020"

# email, name, role, city, organisation, job title, zone, language
PEOPLE = [
    (
        "admin@example.org",
        "Ada Admin",
        Role.ADMIN,
        None,
        "Urban Exchange",
        "Administrator",
        "Europe/Brussels",
        "en",
    ),
    (
        "moderator@example.org",
        "Maria Moderator",
        Role.MODERATOR,
        None,
        "Urban Exchange",
        "Community moderator",
        "Europe/Brussels",
        "en",
    ),
    (
        "l.bianchi@comune.roma.it",
        "Lucia Bianchi",
        Role.OFFICIAL,
        "Rome",
        "Roma Capitale",
        "International relations officer",
        "Europe/Rome",
        "en",
    ),
    (
        "k.weber@mannheim.de",
        "Klaus Weber",
        Role.OFFICIAL,
        "Mannheim",
        "Stadt Mannheim",
        "Economic development",
        "Europe/Berlin",
        "en",
    ),
    (
        "m.kim@gwangju.go.kr",
        "Min-jun Kim",
        Role.OFFICIAL,
        "Gwangju",
        "Gwangju Metropolitan City",
        "Public health division",
        "Asia/Seoul",
        "en",
    ),
    (
        "s.dubois@ville-nice.fr",
        "Sophie Dubois",
        Role.OFFICIAL,
        "Nice",
        "Ville de Nice",
        "Commerce et artisanat",
        "Europe/Paris",
        "fr",
    ),
    (
        "r.santoso@jakarta.go.id",
        "Rina Santoso",
        Role.OFFICIAL,
        "Jakarta",
        "Jakarta Provincial Government",
        "Smart city unit",
        "Asia/Jakarta",
        "en",
    ),
    (
        "participant@example.org",
        "Paul Participant",
        Role.PARTICIPANT,
        None,
        "University of Bologna",
        "Researcher",
        "Europe/Rome",
        "en",
    ),
]


def seed_demo() -> dict[str, int]:
    """Create whatever demo rows are missing; running it again changes nothing."""
    created = {"cities": 0, "themes": 0, "users": 0}
    cities = {c.name: c for c in db.session.scalars(select(City))}
    for name, country, zone, population, domains in CITIES:
        if name not in cities:
            city = City(name=name, country_code=country, timezone=zone, population=population)
            city.email_domains = domains
            db.session.add(city)
            cities[name] = city
            created["cities"] += 1
    existing_themes = set(db.session.scalars(select(Theme.slug)))
    for slug, name in THEMES:
        if slug not in existing_themes:
            db.session.add(Theme(slug=slug, name=name))
            created["themes"] += 1
    db.session.flush()
    existing_users = set(db.session.scalars(select(User.email)))
    for email, name, role, city, organisation, job, zone, locale in PEOPLE:
        if email in existing_users:
            continue
        user = User(
            email=email,
            name=name,
            role=role.value,
            city_id=cities[city].id if city else None,
            organisation=organisation,
            job_title=job,
            timezone=zone,
            locale=locale,
            confirmed_at=utcnow(),
        )
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        created["users"] += 1
    db.session.flush()
    return created
