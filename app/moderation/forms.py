"""Moderation forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms_common import options
from app.labels import ROLE_LABELS


class DecisionForm(FlaskForm):
    """Approve or decline with an optional note."""

    reason = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class ReasonForm(FlaskForm):
    """An action that needs a reason (block, decline)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=options(ROLE_LABELS.items()),
    )


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail"), validators=[Optional(), Length(max=200)])


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Length(max=40)])
    target_type = StringField(_l("Object type"), validators=[Optional(), Length(max=40)])
