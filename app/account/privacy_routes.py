"""Routes of /account for the person's rights: download my data, delete my account."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import func, select

from app.account import bp
from app.account.privacy import (
    delete_account,
    export_data,
    is_last_admin,
    upcoming_organised,
)
from app.account.privacy_forms import DeleteAccountForm, ExportForm
from app.extensions import db, limiter
from app.models import Exchange, ExchangeStatus, Registration, RegistrationStatus
from app.security import LOGIN_ACCOUNT
from app.timeutil import utcnow


def _export_limit_message() -> str:
    return _("You downloaded your data several times in a short while. Please try again later.")


@bp.route("/export", methods=["POST"])
@login_required
@limiter.limit(
    "10 per hour",
    key_func=lambda: f"account-export:{current_user.id}",
    error_message=_export_limit_message,
)
def export():
    """All the person's data as a JSON download."""
    if not ExportForm().validate_on_submit():
        flash(_("The form expired. Please send it again."), "error")
        return redirect(url_for("account.profile"))
    body = json.dumps(export_data(current_user), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    stamp = utcnow().strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="urban-exchange-my-data-{stamp}.json"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _render_delete(form: DeleteAccountForm, status: int = 200):
    seats = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .join(Exchange, Exchange.id == Registration.exchange_id)
        .where(
            Registration.user_id == current_user.id,
            Registration.status != RegistrationStatus.CANCELLED,
            Exchange.status == ExchangeStatus.SCHEDULED,
            Exchange.starts_at > utcnow(),
        )
    )
    return render_template(
        "account/delete.html",
        form=form,
        organised=upcoming_organised(current_user),
        registrations=seats,
    ), status


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete():
    """A warning page, then deletion once the password is confirmed."""
    form = DeleteAccountForm()
    if not form.is_submitted():
        return _render_delete(DeleteAccountForm(formdata=None))
    if not form.validate():
        return _render_delete(form, 422)
    LOGIN_ACCOUNT.check(current_user.email)
    if not current_user.check_password(form.current_password.data):
        LOGIN_ACCOUNT.hit(current_user.email)
        form.current_password.errors.append(_("The password is wrong."))
        return _render_delete(form, 422)
    if is_last_admin(current_user):
        form.understood.errors.append(
            _("You are the only admin. Make someone else an admin before deleting your account.")
        )
        return _render_delete(form, 409)
    user = current_user._get_current_object()
    delete_account(user)
    db.session.commit()
    logout_user()
    flash(_("Your account is deleted. Thank you for taking part."), "success")
    return redirect(url_for("main.index"))
