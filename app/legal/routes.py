"""The privacy notice and the accessibility statement, filled from the operator's settings."""

from __future__ import annotations

from datetime import date

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l

from app.legal import bp


def cookies() -> list[dict]:
    """Every cookie the application sets, with why and for how long.

    tests/core/test_privacy_pages.py checks this list against the cookies the main journeys
    really set: add a cookie here when the app starts setting one.
    """
    config = current_app.config
    remember_days = int(config["REMEMBER_COOKIE_DURATION"]) // 86400
    return [
        {
            "name": config["SESSION_COOKIE_NAME"],
            "purpose": _l(
                "Keeps you logged in and holds the security token that protects every form "
                "against forgery (CSRF). Also carries one-time messages such as “Your profile "
                "is saved.”"
            ),
            "lifetime": _l("Until you close the browser."),
        },
        {
            "name": config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            "purpose": _l(
                "Only when you tick “Remember me on this device” at login: keeps you logged "
                "in after the browser is closed. Logging out removes it."
            ),
            "lifetime": _l("%(days)s days.", days=remember_days),
        },
        {
            "name": "lang",
            "purpose": _l("The language you chose with the language switcher."),
            "lifetime": _l("One year."),
        },
        {
            "name": "tz",
            "purpose": _l("The time zone you chose for showing times."),
            "lifetime": _l("One year."),
        },
    ]


def _statement_date() -> date | None:
    try:
        return date.fromisoformat(current_app.config["ACCESSIBILITY_STATEMENT_DATE"])
    except (TypeError, ValueError):
        return None


@bp.route("/privacy")
def privacy():
    return render_template("legal/privacy.html", cookies=cookies(), config=current_app.config)


@bp.route("/accessibility")
def accessibility():
    return render_template(
        "legal/accessibility.html", statement_date=_statement_date(), config=current_app.config
    )
