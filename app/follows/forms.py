"""The follow and stop-following buttons: a form with nothing but its CSRF token."""

from flask_wtf import FlaskForm


class FollowForm(FlaskForm):
    """A POST button (CSRF-protected)."""
