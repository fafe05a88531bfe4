"""Practice forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms_common import options
from app.models.practice import IMPLEMENTATION, TOPICS
from app.practices.choices import IMPLEMENTATION_LABELS, TOPIC_LABELS
from app.practices.queries import all_themes
from app.timeutil import utcnow


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PracticeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)])
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(), Length(min=20, max=600)],
        description=_l("Two or three sentences shown in the feed."),
    )
    body = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=50_000)],
        description=_l("What was done, by whom, for whom. Markdown is allowed."),
    )
    themes = CheckboxListField(
        _l("Themes"), validators=[DataRequired(_l("Choose at least one theme."))]
    )
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=500)],
        description=_l("Free keywords, separated by commas (for example: masks, twinning)."),
    )
    topic = SelectField(_l("Topic"), choices=options((t, TOPIC_LABELS[t]) for t in TOPICS))
    started_on = DateField(_l("Started on"), validators=[Optional()])
    implementation = SelectField(
        _l("State of the practice"),
        choices=options((s, IMPLEMENTATION_LABELS[s]) for s in IMPLEMENTATION),
    )
    resources = TextAreaField(
        _l("Resources needed"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("Budget, staff, partners, tools."),
    )
    evidence = TextAreaField(
        _l("Evidence of success"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("Figures, evaluations, feedback."),
    )
    difficulties = TextAreaField(
        _l("Difficulties met"), validators=[Optional(), Length(max=10_000)]
    )
    transferability = TextAreaField(
        _l("Potential for transfer"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("What another city needs to do the same."),
    )
    contact = StringField(
        _l("Contact person"),
        validators=[Optional(), Length(max=300)],
        description=_l("Name and role of the person others may contact."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.themes.choices = options((t.slug, t.display_name) for t in all_themes())

    def validate_started_on(self, field):
        if field.data and field.data > utcnow().date():
            raise ValidationError(_l("The start date cannot be in the future."))


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file."))],
        description=_l("PDF, images or office documents, up to 10 MB."),
    )


class DecisionForm(FlaskForm):
    """Moderation of a practice: a note is required to reject or to ask for changes."""

    decision = SelectField(
        _l("Decision"),
        choices=options(
            [
                ("approve", _l("Approve and publish")),
                ("request_changes", _l("Ask for changes")),
                ("reject", _l("Reject")),
            ]
        ),
    )
    note = TextAreaField(
        _l("Note to the author"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Required to reject or to ask for changes."),
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if (
            self.decision.data in ("reject", "request_changes")
            and not (self.note.data or "").strip()
        ):
            self.note.errors = [*self.note.errors, _l("Say why: the author will read it.")]
            return False
        return ok


class ReasonOptionalForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
