"""Comment and report forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms_common import options


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[DataRequired(), Length(max=10_000)],
        description=_l("Markdown is allowed. Be kind: officials from many countries read this."),
    )
    parent_id = HiddenField()


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("What is wrong?"),
        choices=options(
            [
                ("spam", _l("Spam or advertising")),
                ("offensive", _l("Offensive or abusive")),
                ("off_topic", _l("Off-topic")),
                ("other", _l("Something else")),
            ]
        ),
        validators=[DataRequired(_l("Choose a reason."))],
    )
    text = TextAreaField(
        _l("Details"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required when you choose “Something else”."),
    )


class ModerationReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
