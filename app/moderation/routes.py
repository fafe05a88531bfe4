"""Routes on /moderation. Every one requires a moderator (admins for roles)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import ModerationAction, OfficialRequest, User
from app.moderation import bp
from app.moderation.forms import (
    DecisionForm,
    LogFilterForm,
    ReasonForm,
    RoleForm,
    UserSearchForm,
)
from app.moderation.services import (
    ModerationError,
    block_user,
    change_role,
    decide_official_request,
    unblock_user,
)
from app.pagination import paginate
from app.permissions import can_administer, can_block, can_moderate, restrict_blueprint
from app.timeutil import utcnow

restrict_blueprint(bp, can_moderate)


@bp.route("/")
def queue():
    """What waits for a moderator, oldest first, with how long each item has waited."""
    return _render_queue()


def _render_queue(status: int = 200, failed_form=None, failed_id: int | None = None):
    from sqlalchemy.orm import joinedload, selectinload

    from app.models import Practice, PracticeRevision, PracticeStatus
    from app.practices.forms import DecisionForm as PracticeDecisionForm

    requests = db.session.scalars(
        select(OfficialRequest)
        .where(OfficialRequest.status == OfficialRequest.PENDING)
        .order_by(OfficialRequest.created_at)
    ).all()
    from app.models import Comment, CommentStatus

    unblocked = select(User.id).where(User.blocked_at.is_(None))
    practices = db.session.scalars(
        select(Practice)
        .where(
            Practice.status == PracticeStatus.PENDING,
            or_(Practice.author_id.is_(None), Practice.author_id.in_(unblocked)),
        )
        .options(
            joinedload(Practice.city), joinedload(Practice.author), selectinload(Practice.themes)
        )
        .order_by(Practice.submitted_at, Practice.id)
    ).all()
    revisions = db.session.scalars(
        select(PracticeRevision)
        .where(
            PracticeRevision.status == PracticeRevision.PENDING,
            or_(PracticeRevision.author_id.is_(None), PracticeRevision.author_id.in_(unblocked)),
        )
        .options(
            joinedload(PracticeRevision.practice).joinedload(Practice.city),
            joinedload(PracticeRevision.author),
        )
        .order_by(PracticeRevision.submitted_at, PracticeRevision.id)
    ).all()
    comments = db.session.scalars(
        select(Comment)
        .where(
            Comment.status == CommentStatus.PENDING,
            Comment.deleted_at.is_(None),
            Comment.author_id.in_(unblocked),
        )
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    from app.comments.forms import ModerationReasonForm

    return render_template(
        "moderation/queue.html",
        official_requests=requests,
        pending_comments=comments,
        comment_form=ModerationReasonForm(formdata=None),
        practices=practices,
        revisions=revisions,
        now=utcnow(),
        decision_form=DecisionForm(formdata=None),
        practice_decision_form=PracticeDecisionForm(formdata=None),
        failed_form=failed_form,
        failed_id=failed_id,
        reason_form=ReasonForm(formdata=None),
    ), status


@bp.route("/practices/<int:practice_id>/decide", methods=["POST"])
def decide_practice(practice_id: int):
    """Approve, reject (reason required) or send back a practice or its pending edit."""
    from app.models import Practice
    from app.practices.forms import DecisionForm as PracticeDecisionForm
    from app.practices.services import PracticeError
    from app.practices.services import decide_practice as decide

    practice = db.session.get(Practice, practice_id)
    if practice is None:
        abort(404)
    form = PracticeDecisionForm()
    back = request.form.get("back") == "practice"
    target = (
        url_for("practices.detail", practice_id=practice.id)
        if back
        else url_for("moderation.queue")
    )
    if not form.validate_on_submit():
        return _refused(back, practice, form, 422)
    try:
        decide(practice, current_user, form.decision.data, form.note.data or "")
    except PracticeError as error:
        db.session.rollback()
        form.note.errors = [str(error)]
        flash(str(error), "error")
        return _refused(back, practice, form, 409)
    db.session.commit()
    messages = {
        "approve": _("Approved: “%(title)s” is public.", title=practice.title),
        "reject": _("Rejected: the author is told why."),
        "request_changes": _("Sent back: the author is asked for changes."),
    }
    flash(messages[form.decision.data], "success")
    return redirect(target)


def _get_request(request_id: int) -> OfficialRequest:
    item = db.session.get(OfficialRequest, request_id)
    if item is None:
        abort(404)
    return item


@bp.route("/officials/<int:request_id>/approve", methods=["POST"])
def approve_official(request_id: int):
    item = _get_request(request_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decide_official_request(item, current_user, approve=True, reason=form.reason.data or "")
    except ModerationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("moderation.queue"))
    db.session.commit()
    flash(
        _("%(name)s is now an official of %(city)s.", name=item.user.name, city=item.city.name),
        "success",
    )
    return redirect(url_for("moderation.queue"))


@bp.route("/officials/<int:request_id>/decline", methods=["POST"])
def decline_official(request_id: int):
    item = _get_request(request_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for declining."), "error")
        return redirect(url_for("moderation.queue"))
    try:
        decide_official_request(item, current_user, approve=False, reason=form.reason.data)
    except ModerationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("moderation.queue"))
    db.session.commit()
    flash(_("The request is declined."), "success")
    return redirect(url_for("moderation.queue"))


@bp.route("/users")
def users():
    form = UserSearchForm(request.args)
    query = select(User).order_by(User.name, User.id)
    if form.validate() and form.q.data:
        needle = f"%{form.q.data.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.name).like(needle), func.lower(User.email).like(needle))
        )
    return render_template("moderation/users.html", form=form, pagination=paginate(query))


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>")
def user_detail(user_id: int):
    user = _get_user(user_id)
    requests = db.session.scalars(
        select(OfficialRequest)
        .where(OfficialRequest.user_id == user.id)
        .order_by(OfficialRequest.created_at.desc())
    ).all()
    actions = db.session.scalars(
        select(ModerationAction)
        .where(ModerationAction.target_type == "user", ModerationAction.target_id == user.id)
        .order_by(ModerationAction.created_at.desc())
        .limit(50)
    ).all()
    return render_template(
        "moderation/user.html",
        user=user,
        requests=requests,
        actions=actions,
        reason_form=ReasonForm(formdata=None),
        role_form=RoleForm(formdata=None, role=user.role),
        may_block=can_block(current_user, user),
        may_change_role=can_administer(current_user) and user.id != current_user.id,
    )


@bp.route("/users/<int:user_id>/block", methods=["POST"])
def block(user_id: int):
    user = _get_user(user_id)
    if not can_block(current_user, user):
        abort(403)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for blocking."), "error")
        return redirect(url_for("moderation.user_detail", user_id=user.id))
    try:
        block_user(
            user,
            current_user,
            form.reason.data,
            hide_comments=request.form.get("hide_comments") == "y",
        )
    except ModerationError as error:
        flash(str(error), "error")
        return redirect(url_for("moderation.user_detail", user_id=user.id))
    db.session.commit()
    flash(_("The account is blocked and its sessions have ended."), "success")
    return redirect(url_for("moderation.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/unblock", methods=["POST"])
def unblock(user_id: int):
    user = _get_user(user_id)
    if not can_block(current_user, user):
        abort(403)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for unblocking."), "error")
        return redirect(url_for("moderation.user_detail", user_id=user.id))
    try:
        unblock_user(user, current_user, form.reason.data)
    except ModerationError as error:
        flash(str(error), "error")
        return redirect(url_for("moderation.user_detail", user_id=user.id))
    db.session.commit()
    flash(_("The account is unblocked."), "success")
    return redirect(url_for("moderation.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def set_role(user_id: int):
    user = _get_user(user_id)
    if not can_administer(current_user):
        abort(403)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change_role(user, current_user, form.role.data)
    except ModerationError as error:
        flash(str(error), "error")
        return redirect(url_for("moderation.user_detail", user_id=user.id))
    db.session.commit()
    flash(_("The role is changed."), "success")
    return redirect(url_for("moderation.user_detail", user_id=user.id))


@bp.route("/log")
def log():
    """The audit log, newest first, filterable by action and object type."""
    form = LogFilterForm(request.args)
    query = select(ModerationAction).order_by(
        ModerationAction.created_at.desc(), ModerationAction.id.desc()
    )
    if form.validate():
        if form.action.data:
            query = query.where(ModerationAction.action == form.action.data)
        if form.target_type.data:
            query = query.where(ModerationAction.target_type == form.target_type.data)
    actions = db.session.scalars(
        select(ModerationAction.action).distinct().order_by(ModerationAction.action)
    ).all()
    return render_template(
        "moderation/log.html", form=form, pagination=paginate(query), known_actions=actions
    )


def _refused(back: bool, practice, form, status: int):
    """Show the refused decision again, with what the moderator typed and why it failed."""
    if back:
        from app.practices.routes import detail

        return detail(practice.id, decision_form=form), status
    return _render_queue(status, failed_form=form, failed_id=practice.id)


# -- reports and comments ---------------------------------------------------------------------


@bp.route("/reports")
def reports():
    """Items with open reports, the most reported first, with every reason given."""
    from sqlalchemy.orm import joinedload

    from app.comments.services import load_target
    from app.models import Comment, Practice, Report

    rows = db.session.execute(
        select(Report.target_type, Report.target_id, func.count(), func.min(Report.created_at))
        .where(Report.status == Report.OPEN)
        .group_by(Report.target_type, Report.target_id)
        .order_by(func.count().desc(), func.min(Report.created_at))
    ).all()
    keys = [(t, i) for t, i, _count, _first in rows]
    details = {}
    targets = {}
    if keys:
        for entry in db.session.scalars(
            select(Report)
            .where(Report.status == Report.OPEN)
            .options(joinedload(Report.reporter))
            .order_by(Report.created_at)
        ):
            details.setdefault((entry.target_type, entry.target_id), []).append(entry)
        # The reported items in two statements, with what the page shows of them.
        for kind, model in (("comment", Comment), ("practice", Practice)):
            ids = [i for t, i in keys if t == kind]
            if ids:
                query = select(model).where(model.id.in_(ids)).options(joinedload(model.author))
                targets.update(((kind, item.id), item) for item in db.session.scalars(query))
    items = [
        {
            "type": t,
            "id": i,
            "count": c,
            "first": first,
            "target": targets.get((t, i)) or load_target(t, i),
            "reports": details.get((t, i), []),
        }
        for t, i, c, first in rows
    ]
    from app.comments.forms import ModerationReasonForm

    return render_template(
        "moderation/reports.html",
        items=items,
        now=utcnow(),
        form=ModerationReasonForm(formdata=None),
    )


def _load_item(target_type: str, target_id: int):
    from app.comments.services import load_target

    if target_type not in ("comment", "practice"):
        abort(404)
    target = load_target(target_type, target_id)
    if target is None:
        abort(404)
    return target


def _item_action(target_type: str, target_id: int, action, message: str):
    from app.comments.forms import ModerationReasonForm
    from app.comments.services import CommentError

    target = _load_item(target_type, target_id)
    form = ModerationReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(target_type, target, current_user, form.reason.data or "")
    except CommentError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("moderation.reports"), code=303)
    db.session.commit()
    flash(message, "success")
    back = request.form.get("next", "")
    from app.security import is_safe_next

    return redirect(back if is_safe_next(back) else url_for("moderation.reports"))


@bp.route("/items/<target_type>/<int:target_id>/hide", methods=["POST"])
def hide_item(target_type: str, target_id: int):
    from app.comments.services import hide

    return _item_action(target_type, target_id, hide, _("Hidden. The author is told why."))


@bp.route("/items/<target_type>/<int:target_id>/restore", methods=["POST"])
def restore_item(target_type: str, target_id: int):
    from app.comments.services import restore

    return _item_action(target_type, target_id, restore, _("Restored."))


@bp.route("/items/<target_type>/<int:target_id>/dismiss", methods=["POST"])
def dismiss_item(target_type: str, target_id: int):
    from app.comments.services import dismiss_reports

    return _item_action(
        target_type,
        target_id,
        lambda t, target, moderator, _reason: dismiss_reports(t, target, moderator),
        _("The reports are dismissed."),
    )


@bp.route("/comments/<int:comment_id>/approve", methods=["POST"])
def approve_comment(comment_id: int):
    from app.comments.services import approve_comment as approve

    return _comment_decision(
        comment_id, lambda c, reason: approve(c, current_user), _("The comment is published.")
    )


@bp.route("/comments/<int:comment_id>/reject", methods=["POST"])
def reject_comment(comment_id: int):
    from app.comments.services import reject_comment as reject

    return _comment_decision(
        comment_id, lambda c, reason: reject(c, current_user, reason), _("The comment is rejected.")
    )


def _comment_decision(comment_id: int, action, message: str):
    from app.comments.forms import ModerationReasonForm
    from app.comments.services import CommentError
    from app.models import Comment

    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    form = ModerationReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(comment, form.reason.data or "")
    except CommentError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_queue(409)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("moderation.queue"))
