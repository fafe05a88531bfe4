"""What a practice or exchange page needs to show its thread."""

from __future__ import annotations

from app.comments.forms import CommentForm, ModerationReasonForm
from app.comments.queries import comment_count, thread
from app.comments.services import can_still_edit
from app.permissions import can_comment, can_moderate


def comment_context(
    viewer, comment_form=None, *, practice_id=None, exchange_id=None, open_for_comments=True
) -> dict:
    return {
        "thread": thread(viewer, practice_id=practice_id, exchange_id=exchange_id),
        "comment_count": comment_count(practice_id=practice_id, exchange_id=exchange_id),
        "comment_form": comment_form or CommentForm(formdata=None),
        "comment_post_url": ("comments.post_on_practice", {"practice_id": practice_id})
        if practice_id is not None
        else ("comments.post_on_exchange", {"exchange_id": exchange_id}),
        "may_comment": open_for_comments and can_comment(viewer),
        "comments_open": open_for_comments,
        "may_moderate_comments": can_moderate(viewer),
        "can_still_edit": lambda c: can_still_edit(c, viewer),
        "moderation_form": ModerationReasonForm(formdata=None),
    }
