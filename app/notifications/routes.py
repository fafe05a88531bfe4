"""Routes on /notifications: the list, mark one or all as read, preferences."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from app.notifications import bp
from app.notifications.services import KINDS, mark_read, preference, set_preference
from app.pagination import paginate
from app.security import is_safe_next


@bp.before_request
@login_required
def _signed_in():
    return None


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
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        for kind in KINDS:
            channel = request.form.get(kind, "both")
            if channel not in ("both", "app", "mail", "none"):
                abort(400)
            set_preference(
                current_user, kind, channel in ("both", "app"), channel in ("both", "mail")
            )
        db.session.commit()
        flash(_("Your notification preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    current = {}
    for kind in KINDS:
        in_app, by_mail = preference(current_user, kind)
        current[kind] = (
            "both" if in_app and by_mail else "app" if in_app else "mail" if by_mail else "none"
        )
    return render_template("notifications/preferences.html", kinds=KINDS, current=current)
