"""Routes for comments and reports. Load (404), authorise (403), call a service, commit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.comments import bp
from app.comments.forms import CommentForm, ReportForm
from app.comments.queries import page_of
from app.comments.services import (
    CommentError,
    can_still_edit,
    delete_comment,
    edit_comment,
    post_comment,
    report,
    subject_of,
)
from app.extensions import db, limiter
from app.models import Comment, CommentStatus, Exchange, Practice, PracticeStatus
from app.permissions import can_comment, can_moderate, can_view_practice


def _comment_limit_message() -> str:
    return _("You are posting very fast. Please wait a minute before posting again.")


def _subject_url(subject, **args) -> str:
    if isinstance(subject, Practice):
        return url_for("practices.detail", practice_id=subject.id, **args)
    return url_for("exchanges.detail", exchange_id=subject.id, **args)


def _practice_for_comments(practice_id: int) -> Practice:
    practice = db.session.get(Practice, practice_id)
    if practice is None or not can_view_practice(current_user, practice):
        abort(404)
    if practice.status != PracticeStatus.PUBLISHED or practice.hidden_at is not None:
        abort(403)
    return practice


def _render_subject(subject, form, status):
    """The subject's page again, with the refused comment form and what was typed."""
    if isinstance(subject, Practice):
        from app.practices.routes import detail

        return detail(subject.id, comment_form=form), status
    from app.exchanges.routes import detail

    return detail(subject.id, comment_form=form), status


def _post(subject):
    if not can_comment(current_user):
        abort(403)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_subject(subject, form, 422)
    parent = None
    if form.parent_id.data:
        if not form.parent_id.data.isdigit():
            abort(400)
        parent = db.session.get(Comment, int(form.parent_id.data))
        if (
            parent is None
            or subject_of(parent).id != subject.id
            or (type(subject_of(parent)) is not type(subject))
        ):
            abort(404)
    try:
        comment = post_comment(
            current_user._get_current_object(),
            form.body.data,
            practice=subject if isinstance(subject, Practice) else None,
            exchange=subject if isinstance(subject, Exchange) else None,
            parent=parent,
        )
    except CommentError as error:
        db.session.rollback()
        form.body.errors = [*form.body.errors, str(error)]
        return _render_subject(subject, form, 422)
    db.session.commit()
    if comment.status == CommentStatus.PENDING:
        flash(
            _("Thank you. Your first comments are checked by a moderator before they appear."),
            "info",
        )
    else:
        flash(_("Your comment is posted."), "success")
    return redirect(url_for("comments.permalink", comment_id=comment.id))


@bp.route("/practices/<int:practice_id>/comments", methods=["POST"])
@login_required
@limiter.limit(
    "6 per minute;60 per hour",
    key_func=lambda: f"comment:{current_user.id}",
    error_message=_comment_limit_message,
)
def post_on_practice(practice_id: int):
    return _post(_practice_for_comments(practice_id))


@bp.route("/exchanges/<int:exchange_id>/comments", methods=["POST"])
@login_required
@limiter.limit(
    "6 per minute;60 per hour",
    key_func=lambda: f"comment:{current_user.id}",
    error_message=_comment_limit_message,
)
def post_on_exchange(exchange_id: int):
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None:
        abort(404)
    return _post(exchange)


def get_comment(comment_id: int) -> Comment:
    """A comment whose subject the viewer may see (404 otherwise)."""
    comment = db.session.get(Comment, comment_id, options=[joinedload(Comment.author)])
    if comment is None:
        abort(404)
    subject = subject_of(comment)
    if isinstance(subject, Practice) and not can_view_practice(current_user, subject):
        abort(404)
    if comment.status == CommentStatus.PENDING and not (
        can_moderate(current_user)
        or (current_user.is_authenticated and comment.author_id == current_user.id)
    ):
        abort(404)
    return comment


@bp.route("/comments/<int:comment_id>")
def permalink(comment_id: int):
    """The page of the thread that holds the comment, scrolled to it."""
    comment = get_comment(comment_id)
    page = page_of(comment, current_user)
    args = {"page": page} if page > 1 else {}
    return redirect(_subject_url(subject_of(comment), **args) + f"#comment-{comment.id}")


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int):
    comment = get_comment(comment_id)
    if comment.author_id != current_user.id:
        abort(403)
    if not can_still_edit(comment, current_user):
        flash(_("Comments can be edited for 15 minutes after posting."), "error")
        return redirect(url_for("comments.permalink", comment_id=comment.id))
    form = (
        CommentForm(formdata=None, body=comment.body)
        if request.method == "GET"
        else (CommentForm())
    )
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                edit_comment(comment, current_user, form.body.data)
            except CommentError as error:
                db.session.rollback()
                form.body.errors = [*form.body.errors, str(error)]
            else:
                db.session.commit()
                flash(_("Your comment is updated."), "success")
                return redirect(url_for("comments.permalink", comment_id=comment.id))
        return render_template(
            "comments/edit.html", form=form, comment=comment, subject=subject_of(comment)
        ), 422
    return render_template(
        "comments/edit.html", form=form, comment=comment, subject=subject_of(comment)
    )


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete(comment_id: int):
    comment = get_comment(comment_id)
    if comment.author_id != current_user.id and not can_moderate(current_user):
        abort(403)
    from flask_wtf import FlaskForm

    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        delete_comment(comment, current_user)
    except CommentError as error:
        flash(str(error), "error")
        return redirect(url_for("comments.permalink", comment_id=comment.id))
    db.session.commit()
    flash(_("The comment is deleted."), "success")
    return redirect(url_for("comments.permalink", comment_id=comment.id))


def _report(target_type: str, target, back: str):
    if not can_comment(current_user):
        abort(403)
    form = ReportForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            report(
                current_user._get_current_object(),
                target_type,
                target.id,
                form.reason.data,
                form.text.data or "",
            )
        except CommentError as error:
            db.session.rollback()
            form.text.errors = [*form.text.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Thank you. The moderators will look at it."), "success")
            return redirect(back)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "comments/report.html", form=form, target_type=target_type, target=target, back=back
    ), status


@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"], key_func=lambda: f"report:{current_user.id}")
def report_comment(comment_id: int):
    comment = get_comment(comment_id)
    if comment.is_deleted:
        abort(404)
    return _report("comment", comment, url_for("comments.permalink", comment_id=comment.id))


@bp.route("/practices/<int:practice_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", methods=["POST"], key_func=lambda: f"report:{current_user.id}")
def report_practice(practice_id: int):
    practice = db.session.get(Practice, practice_id)
    if practice is None or not can_view_practice(current_user, practice):
        abort(404)
    return _report("practice", practice, url_for("practices.detail", practice_id=practice.id))
