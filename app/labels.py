"""Labels for stored codes (roles, audit actions), in the viewer's language."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "participant": _l("Participant"),
    "official": _l("Official"),
    "moderator": _l("Moderator"),
    "admin": _l("Admin"),
}

ACTION_LABELS = {
    "official_verified_by_domain": _l("Verified as official by e-mail domain"),
    "official_approved": _l("Official verification approved"),
    "official_declined": _l("Official verification declined"),
    "user_blocked": _l("Account blocked"),
    "user_unblocked": _l("Account unblocked"),
    "role_changed": _l("Role changed"),
    "practice_submitted": _l("Practice submitted"),
    "practice_approved": _l("Practice approved"),
    "practice_rejected": _l("Practice rejected"),
    "practice_changes_requested": _l("Changes requested on a practice"),
    "revision_submitted": _l("Edit submitted"),
    "revision_approved": _l("Edit approved"),
    "revision_rejected": _l("Edit rejected"),
    "revision_changes_requested": _l("Changes requested on an edit"),
    "practice_archived": _l("Practice archived"),
    "practice_restored": _l("Practice restored"),
    "practice_deleted": _l("Draft deleted"),
    "mail_retried": _l("Failed mail queued again"),
    "account_deleted": _l("Account deleted by its owner"),
}
