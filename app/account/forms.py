"""Forms on /account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from app.forms_common import (
    StrongPassword,
    ValidTimezone,
    city_choices,
    language_choices,
    options,
    timezone_choices,
)


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    city = SelectField(_l("City"), validators=[Optional()])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=160)])
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=160)])
    timezone = SelectField(_l("Time zone"), validators=[DataRequired(), ValidTimezone()])
    locale = SelectField(_l("Language"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.city.choices = city_choices(blank=_l("— not working for a city —"))
        self.timezone.choices = timezone_choices()
        self.locale.choices = language_choices()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), StrongPassword()],
        description=_l("At least 10 characters, mixing letters with digits, spaces or symbols."),
    )
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New e-mail address"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], id="email_current_password"
    )


class OfficialRequestForm(FlaskForm):
    message = TextAreaField(
        _l("How do you work for this city?"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Your department and role, and who can vouch for you."),
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What the token is for, for example “regional portal”."),
        id="token_name",
    )
    scope = SelectField(
        _l("What it may do"),
        choices=options(
            [("read", _l("Read only")), ("write", _l("Read, and sign up or withdraw for me"))]
        ),
    )
