"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.forms_common import (
    StrongPassword,
    ValidTimezone,
    city_choices,
    language_choices,
    timezone_choices,
)


class RegistrationForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("Work e-mail address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), StrongPassword()],
        description=_l("At least 10 characters, mixing letters with digits, spaces or symbols."),
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    city = SelectField(_l("City"), validators=[Optional()], validate_choice=True)
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=160)])
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=160)])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired(), ValidTimezone()])
    locale = SelectField(_l("Language"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.city.choices = city_choices(blank=_l("— not working for a city —"))
        self.timezone.choices = timezone_choices()
        self.locale.choices = language_choices()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Remember me on this device"))
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), StrongPassword()],
        description=_l("At least 10 characters, mixing letters with digits, spaces or symbols."),
    )
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ResendConfirmationForm(FlaskForm):
    """Asks for a new confirmation link (the signed-in user's own address)."""
