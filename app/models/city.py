"""Cities (with their country, zone and mail domains) and themes."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.extensions import db

# Member states of the European Union (ISO 3166-1 alpha-2).
EU_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)


# Population bands for "cities like mine": slug -> [low, high) in inhabitants.
SIZE_BANDS = {
    "under-100k": (0, 100_000),
    "100k-500k": (100_000, 500_000),
    "500k-1m": (500_000, 1_000_000),
    "1m-5m": (1_000_000, 5_000_000),
    "over-5m": (5_000_000, None),
}


def size_band(population: int | None) -> str | None:
    """The slug of the band a population falls in (None when unknown)."""
    if population is None:
        return None
    for slug, (low, high) in SIZE_BANDS.items():
        if population >= low and (high is None or population < high):
            return slug
    return None


def country_name(code: str, locale=None) -> str:
    """The country's name in the viewer's language, from Babel's CLDR data."""
    loc = locale or get_locale() or Locale("en")
    return loc.territories.get(code.upper(), code.upper())


def is_country_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code that CLDR knows."""
    return len(code) == 2 and code.isalpha() and code.upper() in Locale("en").territories


class City(db.Model):
    """A city taking part, with the e-mail domains that identify its officials."""

    __tablename__ = "city"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    country_code: Mapped[str] = mapped_column(String(2), index=True)
    # Derived from country_code on every change; stored so that feeds can filter on it.
    is_eu: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    population: Mapped[int | None] = mapped_column(Integer)
    # One domain a line, lower case, e.g. "comune.roma.it".
    email_domains_text: Mapped[str] = mapped_column(Text, default="")

    @validates("country_code")
    def _derive_eu(self, key: str, value: str) -> str:
        value = value.upper()
        self.is_eu = value in EU_COUNTRIES
        return value

    @property
    def country_name(self) -> str:
        return country_name(self.country_code)

    @property
    def size_band(self) -> str | None:
        return size_band(self.population)

    @property
    def email_domains(self) -> list[str]:
        return [d for d in (self.email_domains_text or "").split() if d]

    @email_domains.setter
    def email_domains(self, domains: list[str]) -> None:
        cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
        self.email_domains_text = "\n".join(cleaned)

    def owns_address(self, email: str) -> bool:
        """True when the address's domain is one of this city's official domains."""
        domain = email.rsplit("@", 1)[-1].lower()
        return domain in self.email_domains

    def __repr__(self) -> str:
        return f"<City {self.name} {self.country_code}>"


class Theme(db.Model):
    """A theme under which practices and exchanges are filed."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # Lists of themes are read by name.
    name: Mapped[str] = mapped_column(String(120), index=True)

    @property
    def display_name(self) -> str:
        """The name in the viewer's language when the catalogue knows it."""
        from flask_babel import gettext

        return gettext(self.name) if self.name else self.slug

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"
