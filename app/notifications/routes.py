"""Routes on /notifications: the list, mark one or all as read, preferences, unsubscribe."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.errors import error_response
from app.extensions import csrf, db
from app.models import Notification
from app.notifications import bp
from app.notifications.services import (
    CHANNELS,
    KINDS,
    MAIL_ONLY,
    channel_of,
    mark_read,
    preferences_of,
    read_unsubscribe_token,
    set_preference,
)
from app.notifications.services import unsubscribe as turn_off_mail
from app.pagination import paginate
from app.security import is_safe_next

# Reached from a mail, signed in or not: the signed token says who and what.
PUBLIC_ENDPOINTS = {"notifications.unsubscribe"}


@bp.before_request
def _signed_in():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return login_required(lambda: None)()


@bp.route("/")
def index():
    query = (
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return render_template("notifications/index.html", pagination=paginate(query))


@bp.route("/<int:notification_id>/read", methods=["POST"])
def read(notification_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    mark_read(current_user.id, notification.id)
    db.session.commit()
    target = request.form.get("next", "")
    if target == "link" and is_safe_next(notification.link):
        return redirect(notification.link)
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
def read_all():
    if not FlaskForm().validate_on_submit():
        abort(400)
    count = mark_read(current_user.id)
    db.session.commit()
    flash(_("%(count)s notifications marked as read.", count=count), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    current = {kind: channel_of(*pair) for kind, pair in preferences_of(current_user).items()}
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        chosen = {}
        for kind in KINDS:
            # A kind left out of the form keeps its setting.
            channel = request.form.get(kind, current[kind])
            allowed = ("mail", "none") if kind in MAIL_ONLY else CHANNELS
            if channel not in allowed:
                return error_response(400, _("Choose one of the offered options."))
            chosen[kind] = channel
        for kind, channel in chosen.items():
            if channel != current[kind]:
                set_preference(
                    current_user, kind, channel in ("both", "app"), channel in ("both", "mail")
                )
        db.session.commit()
        flash(_("Your notification preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    return render_template(
        "notifications/preferences.html", kinds=KINDS, mail_only=MAIL_ONLY, current=current
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    """GET asks (link checkers and previews open links); POST turns the mails off.

    A POST is either our own form (with its CSRF token) or an RFC 8058 one-click request from
    the mail program, which carries `List-Unsubscribe=One-Click` and no cookie: for that one
    only, the signed token stands in for the CSRF check.
    """
    found = read_unsubscribe_token(token)
    if found is None:
        return error_response(
            400, _("This unsubscribe link is not valid. Choose what you receive on your account.")
        )
    user, kind = found
    if request.method == "GET":
        return render_template(
            "notifications/unsubscribe.html", label=KINDS[kind], token=token, done=False
        )
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if not one_click:
        csrf.protect()
    turn_off_mail(user, kind)
    db.session.commit()
    return render_template("notifications/unsubscribe.html", label=KINDS[kind], done=True)
