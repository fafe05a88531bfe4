"""The switcher shown on every page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from app.forms_common import language_choices


class PreferencesForm(FlaskForm):
    lang = SelectField(_l("Language"))
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lang.choices = language_choices()


class TimezoneForm(FlaskForm):
    tz = SelectField(_l("Time zone"))
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        from app.forms_common import timezone_choices

        super().__init__(*args, **kwargs)
        self.tz.choices = timezone_choices()
