"""Routes on /moderation. Every one requires a moderator (admins for roles)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.extensions import db, login_manager
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
from app.permissions import can_administer, can_block, can_moderate
from app.timeutil import utcnow


@bp.before_request
def _require_moderator():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_moderate(current_user):
        abort(403)


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
    practices = db.session.scalars(
        select(Practice)
        .where(Practice.status == PracticeStatus.PENDING)
        .options(
            joinedload(Practice.city), joinedload(Practice.author), selectinload(Practice.themes)
        )
        .order_by(Practice.submitted_at, Practice.id)
    ).all()
    revisions = db.session.scalars(
        select(PracticeRevision)
        .where(PracticeRevision.status == PracticeRevision.PENDING)
        .options(
            joinedload(PracticeRevision.practice).joinedload(Practice.city),
            joinedload(PracticeRevision.author),
        )
        .order_by(PracticeRevision.submitted_at, PracticeRevision.id)
    ).all()
    return render_template(
        "moderation/queue.html",
        official_requests=requests,
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
        block_user(user, current_user, form.reason.data)
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
