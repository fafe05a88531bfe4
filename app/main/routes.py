"""Routes of the main blueprint."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.caching import cached_page
from app.extensions import db, limiter
from app.main import bp
from app.main.forms import PreferencesForm, TimezoneForm
from app.security import is_safe_next
from app.timeutil import is_valid_timezone

ONE_YEAR = 365 * 24 * 3600


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """Liveness only: no database access."""
    return Response("ok", mimetype="text/plain")


@bp.route("/")
@cached_page
def index():
    """The moderated feed."""
    from app.browse.routes import feed

    return feed()


def _back(form_next: str | None):
    return redirect(form_next if is_safe_next(form_next) else url_for("main.index"))


@bp.route("/preferences")
def preferences():
    """The language and time-zone switcher as a page of its own."""
    target = request.args.get("next", "")
    target = target if is_safe_next(target) else url_for("main.index")
    from flask_babel import get_locale, get_timezone

    return render_template(
        "main/preferences.html",
        lang_form=PreferencesForm(formdata=None, lang=str(get_locale()), next=target),
        tz_form=TimezoneForm(formdata=None, tz=str(get_timezone()), next=target),
    )


@bp.route("/preferences/language", methods=["POST"])
def set_language():
    """Remember the chosen language: in the profile when signed in, else in a cookie."""
    form = PreferencesForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        current_user.locale = form.lang.data
        db.session.commit()
    response = _back(form.next.data)
    response.set_cookie(
        "lang",
        form.lang.data,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


@bp.route("/preferences/timezone", methods=["POST"])
def set_timezone():
    """Remember the viewer's time zone: in the profile when signed in, else in a cookie."""
    form = TimezoneForm()
    if not form.validate_on_submit() or not is_valid_timezone(form.tz.data):
        abort(400)
    if current_user.is_authenticated:
        current_user.timezone = form.tz.data
        db.session.commit()
    flash(_("Times are now shown in %(zone)s.", zone=form.tz.data), "success")
    response = _back(form.next.data)
    response.set_cookie(
        "tz",
        form.tz.data,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
