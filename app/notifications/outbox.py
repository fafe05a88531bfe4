"""The admins' view of the outbox on /admin/outbox: queued, sent and failed mail, and retry.

Admins only: moderators have no need for it, and the rows name everyone's address and what
they were sent. Bodies are never shown: confirmation and reset mails carry live links.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from app.errors import error_response
from app.extensions import db
from app.models import OutboxMessage
from app.moderation.services import log_action
from app.pagination import paginate
from app.permissions import can_administer, restrict_blueprint
from app.timeutil import utcnow

bp = Blueprint("outbox", __name__)

STATUS_LABELS = {
    OutboxMessage.QUEUED: _l("Queued"),
    OutboxMessage.SENT: _l("Sent"),
    OutboxMessage.FAILED: _l("Failed"),
}


restrict_blueprint(bp, can_administer)


@bp.route("/")
def index():
    """Newest first; `status` and `q` (part of the address) filter."""
    status = request.args.get("status", "")
    if status and status not in STATUS_LABELS:
        abort(400)
    q = request.args.get("q", "").strip()[:254]
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    if q:
        query = query.where(
            func.lower(OutboxMessage.recipient).contains(q.lower(), autoescape=True)
        )
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "notifications/outbox.html",
        pagination=paginate(query),
        counts=counts,
        status=status,
        q=q,
        status_labels=STATUS_LABELS,
    )


@bp.route("/<int:message_id>/retry", methods=["POST"])
def retry(message_id: int):
    """Put a failed message back in the queue, due now, with a fresh count of attempts."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    if message.status != OutboxMessage.FAILED:
        return error_response(409, _("Only a failed message can be sent again."))
    message.status = OutboxMessage.QUEUED
    message.attempts = 0
    message.next_attempt_at = utcnow()
    log_action(current_user, "mail_retried", "outbox_message", message.id, message.last_error)
    db.session.commit()
    flash(_("The message is queued again."), "success")
    return redirect(url_for("outbox.index", status=request.args.get("status") or None))
