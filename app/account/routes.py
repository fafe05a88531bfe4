"""Routes on /account."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from app.account import bp
from app.account.forms import (
    ApiTokenForm,
    EmailChangeForm,
    OfficialRequestForm,
    PasswordChangeForm,
    ProfileForm,
)
from app.account.privacy_forms import ExportForm
from app.auth.forms import ResendConfirmationForm
from app.auth.services import AccountError, request_email_change, verify_official_by_domain
from app.extensions import db
from app.models import ApiToken, OfficialRequest
from app.permissions import can_request_official
from app.security import LOGIN_ACCOUNT


def _pending_request():
    return db.session.scalar(
        select(OfficialRequest)
        .where(OfficialRequest.user_id == current_user.id)
        .order_by(OfficialRequest.created_at.desc())
        .limit(1)
    )


def _render(status: int = 200, **forms):
    """The account page with any form replaced by the one that was just submitted."""
    user = current_user
    context = {
        "profile_form": forms.get("profile_form")
        or ProfileForm(
            formdata=None,
            name=user.name,
            city=str(user.city_id or ""),
            organisation=user.organisation,
            job_title=user.job_title,
            timezone=user.timezone,
            locale=user.locale,
        ),
        "password_form": forms.get("password_form") or PasswordChangeForm(formdata=None),
        "email_form": forms.get("email_form") or EmailChangeForm(formdata=None),
        "official_form": forms.get("official_form") or OfficialRequestForm(formdata=None),
        "resend_form": ResendConfirmationForm(formdata=None),
        "official_request": _pending_request(),
        "token_form": forms.get("token_form") or ApiTokenForm(formdata=None),
        "tokens": db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        ).all(),
        "new_token": forms.get("new_token"),
        "can_request_official": can_request_official(user),
        "export_form": ExportForm(formdata=None),
    }
    return render_template("account/profile.html", **context), status


@bp.route("", methods=["GET"])
@login_required
def profile():
    return _render()


@bp.route("/profile", methods=["POST"])
@login_required
def update_profile():
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render(422, profile_form=form)
    user = current_user
    new_city = int(form.city.data) if form.city.data else None
    if new_city != user.city_id and user.is_official and not user.is_moderator:
        # An official's city is what they were verified for; changing it starts again.
        user.role = "participant"
        flash(_("You changed your city: you are no longer verified as an official."), "warning")
    user.name = form.name.data.strip()
    user.city_id = new_city
    user.organisation = (form.organisation.data or "").strip()
    user.job_title = (form.job_title.data or "").strip()
    user.timezone = form.timezone.data
    user.locale = form.locale.data
    db.session.flush()
    db.session.refresh(user)
    verify_official_by_domain(user)
    db.session.commit()
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("account.profile"))


@bp.route("/password", methods=["POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    form._account_email = current_user.email
    form._account_name = current_user.name
    if not form.validate_on_submit():
        return _render(422, password_form=form)
    LOGIN_ACCOUNT.check(current_user.email)
    if not current_user.check_password(form.current_password.data):
        LOGIN_ACCOUNT.hit(current_user.email)
        form.current_password.errors.append(_("The current password is wrong."))
        return _render(422, password_form=form)
    user = current_user._get_current_object()
    user.set_password(form.password.data)
    # Every other session and remember-me cookie ends; this one continues under the new token.
    user.end_all_sessions()
    db.session.commit()
    login_user(user)
    flash(_("Your password is changed. Other sessions have been logged out."), "success")
    return redirect(url_for("account.profile"))


@bp.route("/email", methods=["POST"])
@login_required
def change_email():
    form = EmailChangeForm()
    if not form.validate_on_submit():
        return _render(422, email_form=form)
    LOGIN_ACCOUNT.check(current_user.email)
    if not current_user.check_password(form.current_password.data):
        LOGIN_ACCOUNT.hit(current_user.email)
        form.current_password.errors.append(_("The current password is wrong."))
        return _render(422, email_form=form)
    try:
        request_email_change(current_user, form.email.data)
    except AccountError as error:
        form.email.errors.append(str(error))
        return _render(422, email_form=form)
    db.session.commit()
    flash(
        _(
            "A confirmation link was sent to the new address. "
            "Your address changes when you follow it."
        ),
        "success",
    )
    return redirect(url_for("account.profile"))


@bp.route("/official-request", methods=["POST"])
@login_required
def request_official():
    if not can_request_official(current_user):
        abort(403)
    pending = _pending_request()
    if pending is not None and pending.status == OfficialRequest.PENDING:
        flash(_("Your request is already waiting for a moderator."), "info")
        return redirect(url_for("account.profile"))
    form = OfficialRequestForm()
    if not form.validate_on_submit():
        return _render(422, official_form=form)
    db.session.add(
        OfficialRequest(
            user_id=current_user.id, city_id=current_user.city_id, message=form.message.data.strip()
        )
    )
    db.session.commit()
    flash(_("Your request was sent to the moderators."), "success")
    return redirect(url_for("account.profile"))


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token():
    """Create a personal API token; the secret is shown on this answer only."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _render(422, token_form=form)
    if form.scope.data == ApiToken.WRITE and not current_user.is_confirmed:
        form.scope.errors = [_("Confirm your e-mail address before creating a write token.")]
        return _render(422, token_form=form)
    _token, secret = ApiToken.issue(current_user, form.name.data.strip(), form.scope.data)
    db.session.commit()
    flash(_("Your token is created. Copy it now: it will not be shown again."), "success")
    return _render(201, new_token=secret)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    from flask_wtf import FlaskForm

    from app.timeutil import utcnow

    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    token.revoked_at = utcnow()
    db.session.commit()
    flash(_("The token is revoked."), "success")
    return redirect(url_for("account.profile"))
