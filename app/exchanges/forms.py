"""Exchange forms. Times are typed in the organiser's zone and stored in UTC."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.exchanges.timing import LocalTimeError, to_utc
from app.forms_common import ValidTimezone, city_choices, options, timezone_choices
from app.practices.forms import CheckboxListField
from app.practices.queries import all_themes

_PRACTICE_REF = re.compile(r"(?:/practices/)?(\d+)/?$")


def parse_practice_refs(raw: str) -> list[int]:
    """Numbers or links to practices, separated by commas, spaces or lines."""
    ids = []
    for part in re.split(r"[,\s]+", raw or ""):
        if not part:
            continue
        match = _PRACTICE_REF.search(part)
        if not match:
            raise ValidationError(_l("“%(ref)s” is not a practice number or link.", ref=part[:60]))
        ids.append(int(match.group(1)))
    return sorted(set(ids))


class ExchangeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)])
    agenda = TextAreaField(
        _l("Agenda"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("What will be discussed, and by whom. Markdown is allowed."),
    )
    host_city = SelectField(_l("Host city"), validators=[DataRequired()])
    invited_cities = CheckboxListField(_l("Invited cities"), validators=[Optional()])
    themes = CheckboxListField(_l("Themes"), validators=[Optional()])
    practices = StringField(
        _l("Linked practices"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Numbers or links of published practices, separated by commas."),
    )
    timezone = SelectField(
        _l("Time zone of the times below"), validators=[DataRequired(), ValidTimezone()]
    )
    starts_at = DateTimeLocalField(
        _l("Start (date and time)"), validators=[InputRequired()], format="%Y-%m-%dT%H:%M"
    )
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        validators=[
            InputRequired(),
            NumberRange(min=15, max=600, message=_l("Between 15 minutes and 10 hours.")),
        ],
    )
    video_url = URLField(
        _l("Video link"),
        validators=[DataRequired(), Length(max=500)],
        description=_l(
            "An https link (Jitsi, Zoom, Teams or any other). Only confirmed participants see it."
        ),
    )
    capacity = IntegerField(
        _l("Seats"),
        validators=[
            InputRequired(),
            NumberRange(min=1, max=1000, message=_l("Between 1 and 1,000 seats.")),
        ],
    )
    registration_deadline = DateTimeLocalField(
        _l("Registration deadline (date and time)"),
        validators=[Optional()],
        format="%Y-%m-%dT%H:%M",
        description=_l("Leave empty to accept sign-ups until the start."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cities = city_choices()
        self.host_city.choices = cities
        self.invited_cities.choices = cities
        self.themes.choices = options((t.slug, t.display_name) for t in all_themes())
        self.timezone.choices = timezone_choices()

    def validate_video_url(self, field):
        parts = urlsplit(field.data or "")
        if parts.scheme != "https" or not parts.hostname or " " in field.data:
            raise ValidationError(_l("Give an https link, for example https://meet.jit.si/…"))

    def validate_practices(self, field):
        self.practice_ids = parse_practice_refs(field.data)

    def _instant(self, field) -> object:
        try:
            return to_utc(field.data.date(), field.data.time(), self.timezone.data)
        except LocalTimeError as error:
            message = (
                _l(
                    "This time does not exist in %(zone)s that day: the clocks go forward.",
                    zone=self.timezone.data,
                )
                if error.kind == "gap"
                else _l(
                    "This time happens twice in %(zone)s that day: the clocks go back. "
                    "Choose another time.",
                    zone=self.timezone.data,
                )
            )
            field.errors = [*field.errors, message]
            return None

    def data_for_service(self) -> dict | None:
        """The cleaned data, or None after attaching errors for impossible local times."""
        starts = self._instant(self.starts_at)
        deadline = (
            self._instant(self.registration_deadline) if self.registration_deadline.data else None
        )
        if starts is None or (self.registration_deadline.data and deadline is None):
            return None
        return {
            "title": self.title.data,
            "agenda": self.agenda.data or "",
            "host_city_id": int(self.host_city.data),
            "invited_city_ids": [
                int(c) for c in self.invited_cities.data or [] if c != self.host_city.data
            ],
            "themes": self.themes.data or [],
            "practice_ids": getattr(self, "practice_ids", []),
            "timezone": self.timezone.data,
            "starts_at": starts,
            "duration_minutes": self.duration_minutes.data,
            "video_url": self.video_url.data.strip(),
            "capacity": self.capacity.data,
            "registration_deadline": deadline,
        }


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason, sent to everyone signed up"), validators=[DataRequired(), Length(max=2000)]
    )


class MinutesForm(FlaskForm):
    minutes = TextAreaField(
        _l("Minutes"),
        validators=[Optional(), Length(max=50_000)],
        description=_l("Markdown is allowed."),
    )
    outcomes = TextAreaField(
        _l("Outcomes"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Decisions, follow-ups, cooperation actions."),
    )
    outcome_practices = StringField(
        _l("Practices that came out of it"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Numbers or links of published practices, separated by commas."),
    )

    def validate_outcome_practices(self, field):
        self.practice_ids = parse_practice_refs(field.data)


class MessageForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10_000)])
    include_waitlist = BooleanField(_l("Also send to the people on the waitlist"))


class ExchangeFilterForm(FlaskForm):
    class Meta:
        csrf = False

    theme = SelectField(_l("Theme"), validators=[Optional()], validate_choice=False)
    city = SelectField(_l("City"), validators=[Optional()], validate_choice=False)
