"""Account routes. Each loads, authorises, calls a service, commits once and redirects."""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import (
    LoginForm,
    RegistrationForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from app.auth.services import (
    AccountError,
    burn_password_check,
    confirm_email,
    find_user_by_email,
    normalise_email,
    register_user,
    request_password_reset,
    send_confirmation,
    set_new_password,
    user_for_reset_token,
)
from app.extensions import db
from app.security import (
    LOGIN_ACCOUNT,
    LOGIN_ADDRESS,
    REGISTER_ADDRESS,
    RESET_ACCOUNT,
    RESET_ADDRESS,
    client_address,
    is_safe_next,
)
from app.timeutil import utcnow


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account; the answer is the same whether or not the address is known."""
    if current_user.is_authenticated:
        return redirect(url_for("account.profile"))
    form = RegistrationForm()
    if request.method == "GET":
        form.timezone.data = request.cookies.get("tz") or "UTC"
        from flask_babel import get_locale

        form.locale.data = str(get_locale() or "en")
    if form.validate_on_submit():
        REGISTER_ADDRESS.check(client_address())
        REGISTER_ADDRESS.hit(client_address())
        register_user(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            city_id=int(form.city.data) if form.city.data else None,
            organisation=form.organisation.data or "",
            job_title=form.job_title.data or "",
            timezone=form.timezone.data,
            locale=form.locale.data,
        )
        db.session.commit()
        return redirect(url_for("auth.check_mail"))
    return render_template("auth/register.html", form=form), 200 if not form.errors else 422


@bp.route("/check-mail")
def check_mail():
    return render_template("auth/check_mail.html")


@bp.route("/confirm/<token>")
def confirm(token: str):
    """Confirm an address from the link in the mail."""
    try:
        user = confirm_email(token)
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("auth.login"))
    db.session.commit()
    if user.is_official:
        flash(
            _(
                "Your address is confirmed. You are verified as an official of %(city)s.",
                city=user.city.name,
            ),
            "success",
        )
    else:
        flash(_("Your address is confirmed."), "success")
    if current_user.is_authenticated:
        return redirect(url_for("account.profile"))
    return redirect(url_for("auth.login"))


@bp.route("/confirm/resend", methods=["POST"])
@login_required
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
        RESET_ACCOUNT.check(f"confirm:{current_user.id}")
        RESET_ACCOUNT.hit(f"confirm:{current_user.id}")
        send_confirmation(current_user)
        db.session.commit()
        flash(_("A new confirmation link is on its way."), "success")
    return redirect(url_for("account.profile"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in. Failures are counted per account and per address; successes are not."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        if current_user.is_authenticated:
            return redirect(url_for("main.index"))
    if form.validate_on_submit():
        address = client_address()
        account_key = normalise_email(form.email.data)
        LOGIN_ADDRESS.check(address)
        LOGIN_ACCOUNT.check(account_key)
        user = find_user_by_email(form.email.data)
        if user is None:
            # Spend the time a real check takes, so that timing does not tell who has an account.
            burn_password_check(form.password.data)
        if user is None or not user.check_password(form.password.data):
            LOGIN_ADDRESS.hit(address)
            LOGIN_ACCOUNT.hit(account_key)
            form.password.errors.append(_("The e-mail address or the password is wrong."))
            return render_template("auth/login.html", form=form), 422
        if user.is_blocked:
            form.email.errors.append(_("This account is blocked. Contact the moderators."))
            return render_template("auth/login.html", form=form), 403
        # A fresh session: nothing from before the login survives, and a new identifier.
        session.clear()
        session["sid"] = secrets.token_urlsafe(16)
        login_user(user, remember=form.remember.data)
        user.last_login_at = utcnow()
        db.session.commit()
        flash(_("Welcome, %(name)s.", name=user.name), "success")
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("main.index"))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out here and everywhere: the account's session token changes."""
    if current_user.is_authenticated:
        current_user.end_all_sessions()
        db.session.commit()
    session.clear()
    # After clear(): logout_user() leaves the mark that deletes the remember-me cookie.
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_request():
    """Ask for a reset link; the answer never says whether the address is known."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        RESET_ADDRESS.check(client_address())
        RESET_ADDRESS.hit(client_address())
        account_key = normalise_email(form.email.data)
        # When the account's quota is used up nothing is sent, and the answer is the same.
        if not RESET_ACCOUNT.exceeded(account_key):
            RESET_ACCOUNT.hit(account_key)
            request_password_reset(form.email.data)
            db.session.commit()
        flash(_("If an account uses this address, a reset link is on its way."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid or has expired. Ask for a new one."), "error")
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    form._account_email = user.email
    form._account_name = user.name
    if form.validate_on_submit():
        set_new_password(user, form.password.data)
        db.session.commit()
        session.clear()
        logout_user()  # after clear(), so that the remember-me cookie is deleted too
        flash(_("Your password is changed. Please log in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200
