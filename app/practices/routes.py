"""Routes on /practices. Load (404), authorise (403), call a service, commit once."""

from __future__ import annotations

import difflib

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.caching import cached_page
from app.comments.views import comment_context
from app.extensions import db, limiter
from app.markdown import render_markdown
from app.models import Attachment, ModerationAction, Practice, PracticeRevision
from app.pagination import page_arg, paginate
from app.permissions import (
    can_archive_practice,
    can_create_practice,
    can_decide_practice,
    can_edit_practice,
    can_see_unpublished_work,
    can_view_practice,
)
from app.practices import bp
from app.practices.attachments import AttachmentError, add_attachment, path_of, remove_files
from app.practices.choices import FIELD_LABELS
from app.practices.forms import AttachmentForm, DecisionForm, PracticeForm, ReasonOptionalForm
from app.practices.queries import (
    PracticeFilters,
    all_cities,
    all_themes,
    paginate_practices,
    related_practices,
    similar_size_practices,
    theme_counts,
)
from app.practices.services import (
    PracticeError,
    archive_practice,
    content_from_form,
    create_practice,
    delete_draft,
    discard_open_revision,
    open_revision,
    restore_practice,
    save_practice,
    submit_practice,
)
from app.search import practice_snippets


def get_practice(practice_id: int, for_edit: bool = False) -> Practice:
    """Load a practice the current user may see (404 otherwise, never 403: drafts stay secret)."""
    practice = db.session.scalar(
        select(Practice)
        .where(Practice.id == practice_id)
        .options(
            joinedload(Practice.city),
            joinedload(Practice.author),
            selectinload(Practice.themes),
            selectinload(Practice.tags),
            selectinload(Practice.attachments),
            selectinload(Practice.revisions),
        )
    )
    if practice is None or not can_view_practice(current_user, practice):
        abort(404)
    if for_edit and not can_edit_practice(current_user, practice):
        abort(403)
    return practice


def render_list(template: str, filters: PracticeFilters, criteria=(), **context):
    """A filtered, paginated list of published practices with counts per theme; ranked, with
    highlighted snippets, when there are words to search for. `criteria` narrow it further."""
    pagination = paginate_practices(
        filters, *criteria, page=page_arg(), per_page=current_app.config["PER_PAGE"]
    )
    snippets = {}
    if filters.q:
        snippets = practice_snippets(filters.q, [p.id for p in pagination.items])
    return render_template(
        template,
        filters=filters,
        pagination=pagination,
        snippets=snippets,
        themes=all_themes(),
        cities=all_cities(),
        counts=theme_counts(filters, *criteria),
        **context,
    )


@bp.route("/")
@cached_page
def index():
    return render_list("practices/index.html", PracticeFilters.from_args(request.args))


def _form_from_content(content: dict) -> PracticeForm:
    from datetime import date

    data = dict(content)
    data["tags"] = ", ".join(content.get("tags", []))
    if isinstance(data.get("started_on"), str):
        data["started_on"] = date.fromisoformat(data["started_on"])
    return PracticeForm(formdata=None, data=data)


def _edit_response(form, practice, status=200, preview=None):
    return (
        render_template(
            "practices/form.html",
            form=form,
            practice=practice,
            preview=preview,
            attachment_form=AttachmentForm(formdata=None),
        ),
        status,
    )


def _preview(form) -> dict:
    return {
        "title": form.title.data,
        "summary": form.summary.data,
        "body": render_markdown(form.body.data, heading_offset=2),
        "resources": render_markdown(form.resources.data, heading_offset=3),
        "evidence": render_markdown(form.evidence.data, heading_offset=3),
        "difficulties": render_markdown(form.difficulties.data, heading_offset=3),
        "transferability": render_markdown(form.transferability.data, heading_offset=3),
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"], key_func=lambda: f"practice-post:{current_user.id}")
def new():
    if not can_create_practice(current_user):
        abort(403)
    form = PracticeForm()
    if request.method == "GET":
        form.topic.data = "covid-19-response"
        form.implementation.data = "ongoing"
        return _edit_response(form, None)
    action = request.form.get("action", "save")
    if not form.validate_on_submit():
        return _edit_response(form, None, 422)
    if action == "preview":
        return _edit_response(form, None, preview=_preview(form))
    try:
        practice = create_practice(current_user, content_from_form(form))
        if action == "submit":
            submit_practice(practice, current_user)
    except PracticeError as error:
        db.session.rollback()
        form.themes.errors = [*form.themes.errors, str(error)]
        return _edit_response(form, None, 422)
    db.session.commit()
    if action == "submit":
        flash(_("Your practice was sent to the moderators."), "success")
    else:
        flash(_("Your draft is saved. Only you and your city's officials can see it."), "success")
    return redirect(url_for("practices.detail", practice_id=practice.id))


@bp.route("/<int:practice_id>")
@cached_page
def detail(practice_id: int, decision_form=None, comment_form=None):
    practice = get_practice(practice_id)
    insider = can_see_unpublished_work(current_user, practice)
    revision = open_revision(practice) if insider else None
    notes = []
    if insider:
        notes = db.session.scalars(
            select(ModerationAction)
            .where(
                ModerationAction.target_type == "practice",
                ModerationAction.target_id == practice.id,
            )
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
            .limit(10)
        ).all()
    last_approved = next(
        (
            r
            for r in reversed(practice.revisions)
            if r.status in (PracticeRevision.APPROVED, PracticeRevision.SAVED)
        ),
        None,
    )
    return render_template(
        "practices/detail.html",
        practice=practice,
        rendered={
            name: render_markdown(getattr(practice, name), heading_offset=1)
            for name in ("body", "resources", "evidence", "difficulties", "transferability")
        },
        related=related_practices(practice),
        similar=similar_size_practices(practice) if practice.is_public else [],
        open_revision=revision,
        notes=notes,
        last_revision=last_approved,
        decision_form=decision_form or DecisionForm(formdata=None),
        reason_form=ReasonOptionalForm(formdata=None),
        can_edit=can_edit_practice(current_user, practice),
        can_decide=can_decide_practice(current_user, practice),
        can_archive=can_archive_practice(current_user, practice),
        insider=insider,
        **comment_context(
            current_user,
            comment_form,
            practice_id=practice.id,
            open_for_comments=practice.status == "published" and practice.hidden_at is None,
        ),
    )


@bp.route("/<int:practice_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"], key_func=lambda: f"practice-post:{current_user.id}")
def edit(practice_id: int):
    practice = get_practice(practice_id, for_edit=True)
    revision = open_revision(practice)
    if request.method == "GET":
        content = revision.content if revision is not None else practice.snapshot()
        return _edit_response(_form_from_content(content), practice)
    form = PracticeForm()
    action = request.form.get("action", "save")
    if not form.validate_on_submit():
        return _edit_response(form, practice, 422)
    if action == "preview":
        return _edit_response(form, practice, preview=_preview(form))
    try:
        save_practice(practice, current_user, content_from_form(form))
        if action == "submit":
            submit_practice(practice, current_user)
    except PracticeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _edit_response(form, practice, 409)
    db.session.commit()
    if action == "submit":
        flash(_("Your changes were sent to the moderators."), "success")
    elif practice.status == "published":
        flash(
            _(
                "Your edit is saved as a draft. The published version stays visible "
                "until a moderator approves the edit."
            ),
            "success",
        )
    else:
        flash(_("Your changes are saved."), "success")
    return redirect(url_for("practices.detail", practice_id=practice.id))


@bp.route("/<int:practice_id>/submit", methods=["POST"])
@login_required
def submit(practice_id: int):
    practice = get_practice(practice_id, for_edit=True)
    form = ReasonOptionalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        submit_practice(practice, current_user)
    except PracticeError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("practices.detail", practice_id=practice.id))
    db.session.commit()
    flash(_("Sent to the moderators."), "success")
    return redirect(url_for("practices.detail", practice_id=practice.id))


@bp.route("/<int:practice_id>/discard-edit", methods=["POST"])
@login_required
def discard_edit(practice_id: int):
    practice = get_practice(practice_id, for_edit=True)
    if not ReasonOptionalForm().validate_on_submit():
        abort(400)
    try:
        discard_open_revision(practice, current_user)
    except PracticeError as error:
        flash(str(error), "error")
        return redirect(url_for("practices.detail", practice_id=practice.id))
    db.session.commit()
    flash(_("The draft edit is discarded."), "success")
    return redirect(url_for("practices.detail", practice_id=practice.id))


@bp.route("/<int:practice_id>/delete", methods=["POST"])
@login_required
def delete(practice_id: int):
    practice = get_practice(practice_id, for_edit=True)
    if not ReasonOptionalForm().validate_on_submit():
        abort(400)
    try:
        delete_draft(practice, current_user)
    except PracticeError as error:
        flash(str(error), "error")
        return redirect(url_for("practices.detail", practice_id=practice.id))
    db.session.commit()
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("practices.mine"))


@bp.route("/<int:practice_id>/archive", methods=["POST"])
@login_required
def archive(practice_id: int):
    practice = get_practice(practice_id)
    if not can_archive_practice(current_user, practice):
        abort(403)
    form = ReasonOptionalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        archive_practice(practice, current_user, form.reason.data or "")
    except PracticeError as error:
        flash(str(error), "error")
        return redirect(url_for("practices.detail", practice_id=practice.id))
    db.session.commit()
    flash(_("The practice is archived: it left the feed but its page stays available."), "success")
    return redirect(url_for("practices.detail", practice_id=practice.id))


@bp.route("/<int:practice_id>/restore", methods=["POST"])
@login_required
def restore(practice_id: int):
    practice = get_practice(practice_id)
    if not can_archive_practice(current_user, practice):
        abort(403)
    form = ReasonOptionalForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        restore_practice(practice, current_user, form.reason.data or "")
    except PracticeError as error:
        flash(str(error), "error")
        return redirect(url_for("practices.detail", practice_id=practice.id))
    db.session.commit()
    flash(_("The practice is restored to the feed."), "success")
    return redirect(url_for("practices.detail", practice_id=practice.id))


def _diff(previous: dict | None, current: dict) -> list[dict]:
    """Which fields changed between two snapshots, with a line diff for text."""
    changes = []
    for name, label in FIELD_LABELS.items():
        before = (previous or {}).get(name)
        after = current.get(name)
        if before == after:
            continue
        if isinstance(after, list) or isinstance(before, list):
            removed = sorted(set(before or []) - set(after or []))
            added = sorted(set(after or []) - set(before or []))
            changes.append({"label": label, "added": added, "removed": removed, "lines": []})
            continue
        lines = list(
            difflib.unified_diff(
                str(before or "").splitlines(), str(after or "").splitlines(), lineterm="", n=1
            )
        )[2:]
        changes.append({"label": label, "added": [], "removed": [], "lines": lines})
    return changes


@bp.route("/<int:practice_id>/history")
def history(practice_id: int):
    """Who changed what. The public sees approved versions; insiders see every version."""
    practice = get_practice(practice_id)
    insider = can_see_unpublished_work(current_user, practice)
    revisions = db.session.scalars(
        select(PracticeRevision)
        .where(PracticeRevision.practice_id == practice.id)
        .options(joinedload(PracticeRevision.author))
        .order_by(PracticeRevision.id)
    ).all()
    shown = []
    previous = None
    for revision in revisions:
        visible = (
            insider
            or revision.status == PracticeRevision.APPROVED
            or (
                revision.status == PracticeRevision.SAVED
                and practice.published_at is not None
                and revision.created_at <= practice.published_at
            )
        )
        content = revision.content
        if visible:
            shown.append({"revision": revision, "changes": _diff(previous, content)})
        if revision.status in (PracticeRevision.SAVED, PracticeRevision.APPROVED) or insider:
            previous = content
    shown.reverse()
    return render_template(
        "practices/history.html", practice=practice, entries=shown, insider=insider
    )


@bp.route("/mine")
@login_required
def mine():
    """Practices I wrote and, for officials, my city's unpublished work."""
    from sqlalchemy import or_

    query = select(Practice).where(Practice.author_id == current_user.id)
    if current_user.is_official and current_user.city_id:
        query = select(Practice).where(
            or_(Practice.author_id == current_user.id, Practice.city_id == current_user.city_id)
        )
    query = query.options(
        joinedload(Practice.city), selectinload(Practice.themes), selectinload(Practice.tags)
    ).order_by(Practice.updated_at.desc())
    return render_template("practices/mine.html", pagination=paginate(query))


# -- attachments ------------------------------------------------------------------------------


@bp.route("/<int:practice_id>/attachments", methods=["POST"])
@login_required
@limiter.limit("60 per hour", key_func=lambda: f"practice-post:{current_user.id}")
def upload(practice_id: int):
    practice = get_practice(practice_id, for_edit=True)
    form = AttachmentForm()
    error = None
    if not form.validate_on_submit():
        error = " ".join(str(m) for m in form.file.errors) or _("Choose a file.")
    else:
        try:
            attachment = add_attachment(practice, current_user, form.file.data)
        except AttachmentError as refused:
            db.session.rollback()
            error = str(refused)
    if error:
        revision = open_revision(practice)
        edit_form = _form_from_content(revision.content if revision else practice.snapshot())
        form.file.errors = [error]
        return render_template(
            "practices/form.html",
            form=edit_form,
            practice=practice,
            preview=None,
            attachment_form=form,
        ), 422
    db.session.commit()
    flash(_("%(name)s is attached.", name=attachment.filename), "success")
    return redirect(url_for("practices.edit", practice_id=practice.id))


def _get_attachment(practice: Practice, attachment_id: int) -> Attachment:
    attachment = next((a for a in practice.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return attachment


@bp.route("/<int:practice_id>/attachments/<int:attachment_id>")
def download(practice_id: int, attachment_id: int):
    practice = get_practice(practice_id)
    attachment = _get_attachment(practice, attachment_id)
    path = path_of(attachment)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<int:practice_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete_attachment(practice_id: int, attachment_id: int):
    practice = get_practice(practice_id, for_edit=True)
    attachment = _get_attachment(practice, attachment_id)
    if not ReasonOptionalForm().validate_on_submit():
        abort(400)
    remove_files([attachment])
    db.session.delete(attachment)
    db.session.commit()
    flash(_("The attachment is removed."), "success")
    return redirect(url_for("practices.edit", practice_id=practice.id))
