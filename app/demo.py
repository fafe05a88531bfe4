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
    people = {u.email: u for u in db.session.scalars(select(User))}
    created["practices"] = seed_practices(cities, people)
    created["exchanges"] = seed_exchanges(cities, people)
    return created


# city, author e-mail, status, themes, tags, title, summary, body, extra fields
PRACTICES = [
    (
        "Granada",
        None,
        "published",
        ["health", "procurement"],
        ["masks", "twinning"],
        "50,000 masks donated by Changsha to Granada",
        "When masks were scarce in March 2020, Changsha sent 50,000 masks to its partner city "
        "Granada, organised through the two cities' cooperation offices.",
        "## What happened\n\nChangsha's foreign affairs office offered masks to Granada as soon as "
        "Spanish stocks ran low. The shipment was cleared by customs within a week and handed to "
        "health centres and care homes.\n\n## Why it worked\n\n- An existing twinning contact\n"
        "- One person on each side with authority to decide",
        {
            "resources": "Staff time in both international relations offices; "
            "air freight paid by the donor.",
            "evidence": "50,000 masks distributed to 40 care homes within ten days.",
            "transferability": "Any city with an active partnership can ask; "
            "agree on customs paperwork first.",
        },
    ),
    (
        "Rome",
        "l.bianchi@comune.roma.it",
        "published",
        ["health", "volunteers"],
        ["masks"],
        "Masks from Liuzhou for Rome's volunteers",
        "Liuzhou donated 1,000 masks that Rome gave to the volunteers delivering food and medicine "
        "to people in quarantine.",
        "Rome's civil protection coordinated volunteers; the donation from Liuzhou equipped the "
        "first teams before regional supplies arrived.",
        {"contact": "Lucia Bianchi, international relations"},
    ),
    (
        "Mannheim",
        "k.weber@mannheim.de",
        "published",
        ["local-economy", "digital-services"],
        ["business support", "portal"],
        "“Cope with COVID”: one portal for local businesses",
        "Mannheim opened a single online portal where businesses find every support measure, "
        "grant and contact during the pandemic.",
        "The economic development office gathered federal, state and city measures on one page, "
        "updated daily, with a hotline for questions.",
        {
            "evidence": "Over 20,000 visits in the first month; the hotline answered 3,000 calls.",
            "difficulties": "Keeping the rules of three levels of government up to date every day.",
        },
    ),
    (
        "Nice",
        "s.dubois@ville-nice.fr",
        "published",
        ["local-economy"],
        ["tax relief"],
        "Occupancy taxes and rents waived for small businesses",
        "Nice cancelled some occupancy taxes and rents on public property for small businesses "
        "closed by the lockdown.",
        "Terraces, market stalls and kiosks on public land paid no fee for the months of closure.",
        {"resources": "Lost revenue of the city budget, approved by the municipal council."},
    ),
    (
        "Stuttgart",
        None,
        "published",
        ["mobility-transport", "health"],
        ["public transport"],
        "High-frequency public transport to avoid crowding",
        "Stuttgart restored full timetables early so that passengers could keep their distance in "
        "less crowded buses and trains.",
        "Instead of cutting services when ridership fell, the transport operator ran the normal "
        "frequency so that vehicles stayed less full.",
        {"evidence": "Average occupancy stayed under 30% during the spring of 2020."},
    ),
    (
        "Gwangju",
        "m.kim@gwangju.go.kr",
        "published",
        ["health", "digital-services"],
        ["data sharing", "alerts"],
        "Sharing test results and hospital beds with the disease-control centre",
        "Gwangju shares test results, quarantine cases, mask stocks and hospital beds with the "
        "national disease-control centre and sends instant phone messages to new cases.",
        "A shared dashboard updated several times a day lets the city and the national centre "
        "plan beds and supplies together.",
        {"transferability": "Needs a legal basis for sharing health data and a single data owner."},
    ),
    (
        "Jakarta",
        "r.santoso@jakarta.go.id",
        "pending",
        ["digital-services"],
        ["portal"],
        "A regional portal for practices from other countries",
        "Jakarta runs a regional portal where practices from other countries are uploaded and "
        "translated for the region's cities.",
        "The smart city unit collects practices from partner networks and publishes them in "
        "Indonesian with a contact for each.",
        {},
    ),
    (
        "Guangzhou",
        None,
        "pending",
        ["local-economy"],
        ["recovery"],
        "Helping businesses resume production",
        "Guangzhou moved on from containment to helping businesses resume production safely, "
        "with checklists and fast-track permits.",
        "A task force visited factories, checked safety plans and issued permits within 48 hours.",
        {},
    ),
]


def seed_practices(cities: dict[str, City], people: dict[str, User]) -> int:
    """Demo practices, created once (matched by title)."""
    from datetime import timedelta

    from app.models import Practice
    from app.practices.services import create_practice, submit_practice

    existing = set(db.session.scalars(select(Practice.title)))
    moderator = people.get("moderator@example.org")
    created = 0
    now = utcnow()
    for index, (city, email, status, themes, tags, title, summary, body, extra) in enumerate(
        PRACTICES
    ):
        if title in existing:
            continue
        author = people.get(email) if email else None
        if author is None:
            author = people.get("admin@example.org")
        content = {
            "title": title,
            "summary": summary,
            "body": body,
            "topic": "covid-19-response" if index < 6 else "recovery",
            "started_on": "2020-03-15",
            "implementation": "ended" if status == "published" else "ongoing",
            "resources": extra.get("resources", ""),
            "evidence": extra.get("evidence", ""),
            "difficulties": extra.get("difficulties", ""),
            "transferability": extra.get("transferability", ""),
            "contact": extra.get("contact", ""),
            "themes": themes,
            "tags": tags,
        }
        practice = create_practice(author, content, city_id=cities[city].id)
        submit_practice(practice, author)
        if status == "published" and moderator is not None:
            from app.practices.services import decide_practice

            decide_practice(practice, moderator, "approve")
            practice.published_at = now - timedelta(days=30 - index)
        created += 1
    db.session.flush()
    return created


MARCH_2020_MINUTES = """66 experts from Guangzhou, Gwangju, Jakarta, Mannheim, Stuttgart, Barcelona,
Granada, Nice, Rome and Bologna compared their measures against COVID-19.

- **Gwangju** shares test results, quarantine cases, mask stocks and hospital beds with the
  national disease-control centre and sends instant phone messages to new cases.
- **Jakarta** runs a regional portal where practices from other countries are uploaded.
- **Granada** received 50,000 masks from Changsha and **Rome** 1,000 from Liuzhou.
- **Mannheim** opened a "Cope with COVID" portal for businesses.
- **Nice** cancelled some occupancy taxes and rents on public property for small businesses.
- **Stuttgart** restored high-frequency public transport to avoid crowded vehicles.
- **Guangzhou** moved on to helping businesses resume production.
"""


def seed_exchanges(cities: dict[str, City], people: dict[str, User]) -> int:
    """The March 2020 exchange (held), one upcoming with seats, one full with a waitlist."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from app.exchanges.services import create_exchange, sign_up
    from app.exchanges.timing import to_utc
    from app.models import Exchange, ExchangeStatus, Practice

    existing = set(db.session.scalars(select(Exchange.title)))
    organiser = people["l.bianchi@comune.roma.it"]
    created = 0
    ten = [
        "Guangzhou",
        "Gwangju",
        "Jakarta",
        "Mannheim",
        "Stuttgart",
        "Barcelona",
        "Granada",
        "Nice",
        "Rome",
        "Bologna",
    ]
    title = "COVID-19: what our cities are doing (27 March 2020)"
    if title not in existing:
        start = datetime(2020, 3, 27, 9, 0, tzinfo=ZoneInfo("Europe/Rome"))
        exchange = Exchange(
            title=title,
            agenda="Each city presents its measures in five minutes, then questions.",
            organiser_id=organiser.id,
            host_city_id=cities["Rome"].id,
            starts_at=start.astimezone(ZoneInfo("UTC")),
            timezone="Europe/Rome",
            duration_minutes=150,
            video_url="https://meet.jit.si/urban-exchange-covid-2020-03-27",
            capacity=80,
            registration_deadline=start.astimezone(ZoneInfo("UTC")),
            status=ExchangeStatus.HELD,
            minutes=MARCH_2020_MINUTES,
            outcomes="Future exchanges will focus on recovery.",
            held_at=start.astimezone(ZoneInfo("UTC")) + timedelta(hours=3),
        )
        exchange.invited_cities = [cities[n] for n in ten if n != "Rome"]
        exchange.outcome_practices = list(
            db.session.scalars(select(Practice).where(Practice.status == "published"))
        )
        db.session.add(exchange)
        created += 1

    today = utcnow().astimezone(ZoneInfo("Europe/Rome")).date()
    themes = {t.slug: t for t in db.session.scalars(select(Theme))}
    plans = [
        (
            "Recovery: helping small businesses reopen",
            14,
            30,
            ["Mannheim", "Nice", "Guangzhou"],
            ["local-economy"],
            [],
        ),
        (
            "Public transport after the lockdown",
            7,
            3,
            ["Stuttgart", "Gwangju", "Jakarta"],
            ["mobility-transport"],
            [
                "participant@example.org",
                "k.weber@mannheim.de",
                "m.kim@gwangju.go.kr",
                "s.dubois@ville-nice.fr",
                "r.santoso@jakarta.go.id",
            ],
        ),
    ]
    for name, days, capacity, invited, theme_slugs, attendees in plans:
        if name in existing:
            continue
        starts = to_utc(today + timedelta(days=days), time(10, 0), "Europe/Rome")
        exchange = create_exchange(
            organiser,
            {
                "title": name,
                "agenda": "Short presentations by each invited city, then an open discussion.",
                "host_city_id": cities["Rome"].id,
                "invited_city_ids": [cities[c].id for c in invited],
                "themes": [s for s in theme_slugs if s in themes],
                "practice_ids": [],
                "timezone": "Europe/Rome",
                "starts_at": starts,
                "duration_minutes": 90,
                "video_url": f"https://meet.jit.si/urban-exchange-{days}",
                "capacity": capacity,
                "registration_deadline": None,
            },
        )
        for email in attendees:
            sign_up(exchange.id, people[email])
        created += 1
    db.session.flush()
    return created
