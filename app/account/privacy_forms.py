"""Forms of the privacy section of /account: export and deletion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired


class ExportForm(FlaskForm):
    """Only the CSRF token: the export is a POST so that links and prefetching never run it."""


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(
        _l("Your password"), validators=[DataRequired()], id="delete_current_password"
    )
    understood = BooleanField(
        _l("I understand that my account is deleted for good and cannot be restored."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
