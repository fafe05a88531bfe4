"""Labels for the fixed choices of a practice, in the viewer's language."""

from flask_babel import lazy_gettext as _l

TOPIC_LABELS = {
    "covid-19-response": _l("COVID-19 response"),
    "recovery": _l("Recovery"),
    "resilience": _l("Resilience"),
    "other": _l("Other"),
}

SIZE_LABELS = {
    "under-100k": _l("Under 100,000 inhabitants"),
    "100k-500k": _l("100,000 to 500,000 inhabitants"),
    "500k-1m": _l("500,000 to 1 million inhabitants"),
    "1m-5m": _l("1 to 5 million inhabitants"),
    "over-5m": _l("Over 5 million inhabitants"),
}

IMPLEMENTATION_LABELS = {
    "ongoing": _l("Ongoing"),
    "ended": _l("Ended"),
}

STATUS_LABELS = {
    "draft": _l("Draft"),
    "pending": _l("Waiting for moderation"),
    "changes_requested": _l("Changes requested"),
    "published": _l("Published"),
    "rejected": _l("Rejected"),
    "archived": _l("Archived"),
}

REVISION_STATUS_LABELS = {
    "saved": _l("Saved"),
    "draft": _l("Draft edit"),
    "pending": _l("Edit waiting for moderation"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}

FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "body": _l("Description"),
    "topic": _l("Topic"),
    "started_on": _l("Started on"),
    "implementation": _l("State of the practice"),
    "resources": _l("Resources needed"),
    "evidence": _l("Evidence of success"),
    "difficulties": _l("Difficulties met"),
    "transferability": _l("Potential for transfer"),
    "contact": _l("Contact person"),
    "themes": _l("Themes"),
    "tags": _l("Tags"),
}
