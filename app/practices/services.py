"""Practice rules: drafts, submission, moderation, revisions, archiving."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.mail import N_
from app.models import (
    Practice,
    PracticeRevision,
    PracticeStatus,
    Tag,
    Theme,
    User,
)
from app.models.practice import CONTENT_FIELDS
from app.moderation.services import log_action
from app.notifications.services import notify
from app.search import index_practice, unindex_practice
from app.timeutil import utcnow


class PracticeError(Exception):
    """A broken practice rule, with a message for the person."""


def slugify(text: str) -> str:
    normalised = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", normalised.lower()).strip("-")
    return slug[:64] or "tag"


def parse_tags(raw: str) -> list[str]:
    """Comma-separated tags, trimmed, deduplicated case-insensitively, at most 15."""
    seen: dict[str, str] = {}
    for part in (raw or "").split(","):
        name = " ".join(part.split())[:64]
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())[:15]


def _tags_for(names: list[str]) -> list[Tag]:
    if not names:
        return []
    slugs = {slugify(n): n for n in names}
    existing = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(slugs)))}
    tags = []
    for slug, name in slugs.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(slug=slug, name=name)
            db.session.add(tag)
        tags.append(tag)
    return tags


def _themes_for(slugs: list[str]) -> list[Theme]:
    themes = db.session.scalars(select(Theme).where(Theme.slug.in_(slugs or []))).all()
    if not themes:
        raise PracticeError(_l("Choose at least one theme."))
    return list(themes)


def _apply_content(practice: Practice, content: dict) -> None:
    for name in CONTENT_FIELDS:
        value = content.get(name)
        if name == "started_on" and isinstance(value, str):
            value = date.fromisoformat(value)
        setattr(practice, name, value if value is not None or name == "started_on" else "")
    practice.themes = _themes_for(content.get("themes", []))
    practice.tags = _tags_for(content.get("tags", []))


def content_from_form(form) -> dict:
    """The content dict a PracticeForm describes."""
    return {
        "title": form.title.data.strip(),
        "summary": form.summary.data.strip(),
        "body": form.body.data or "",
        "topic": form.topic.data,
        "started_on": form.started_on.data.isoformat() if form.started_on.data else None,
        "implementation": form.implementation.data,
        "resources": form.resources.data or "",
        "evidence": form.evidence.data or "",
        "difficulties": form.difficulties.data or "",
        "transferability": form.transferability.data or "",
        "contact": (form.contact.data or "").strip(),
        "themes": sorted(form.themes.data or []),
        "tags": sorted(parse_tags(form.tags.data or ""), key=str.lower),
    }


def _record(practice: Practice, author: User, status: str, content: dict) -> PracticeRevision:
    revision = PracticeRevision(practice=practice, author_id=author.id, status=status)
    revision.content = content
    db.session.add(revision)
    return revision


def create_practice(author: User, content: dict, city_id: int | None = None) -> Practice:
    """A new draft for the author's city."""
    practice = Practice(
        city_id=city_id or author.city_id,
        author_id=author.id,
        status=PracticeStatus.DRAFT,
    )
    _apply_content(practice, content)
    db.session.add(practice)
    db.session.flush()
    _record(practice, author, PracticeRevision.SAVED, practice.snapshot())
    return practice


def open_revision(practice: Practice) -> PracticeRevision | None:
    """The edit of a published practice that is not decided yet, if any."""
    for revision in reversed(practice.revisions):
        if revision.status in PracticeRevision.OPEN:
            return revision
    return None


def save_practice(practice: Practice, editor: User, content: dict) -> PracticeRevision:
    """Save an edit. Before publication it changes the practice; after, it opens a revision."""
    if practice.status == PracticeStatus.ARCHIVED:
        raise PracticeError(_l("Restore the practice before editing it."))
    if practice.status == PracticeStatus.PENDING:
        raise PracticeError(_l("The practice is waiting for moderation and cannot change now."))
    _themes_for(content.get("themes", []))  # validate before touching anything
    now = utcnow()
    if practice.status == PracticeStatus.PUBLISHED:
        revision = open_revision(practice)
        if revision is not None and revision.status == PracticeRevision.PENDING:
            raise PracticeError(_l("Your edit is waiting for moderation and cannot change now."))
        if revision is None:
            revision = _record(practice, editor, PracticeRevision.DRAFT, content)
        else:
            revision.content = content
            revision.author_id = editor.id
            revision.status = PracticeRevision.DRAFT
            revision.updated_at = now
        db.session.flush()
        return revision
    if practice.status == PracticeStatus.REJECTED:
        practice.status = PracticeStatus.DRAFT
    _apply_content(practice, content)
    practice.updated_at = now
    db.session.flush()
    return _record(practice, editor, PracticeRevision.SAVED, practice.snapshot())


def submit_practice(practice: Practice, editor: User) -> None:
    """Send a draft, or an open edit of a published practice, to the moderators."""
    now = utcnow()
    if practice.status in (PracticeStatus.DRAFT, PracticeStatus.CHANGES_REQUESTED):
        practice.status = PracticeStatus.PENDING
        practice.submitted_at = now
        log_action(editor, "practice_submitted", "practice", practice.id)
        return
    if practice.status == PracticeStatus.PUBLISHED:
        revision = open_revision(practice)
        if revision is None or revision.status == PracticeRevision.PENDING:
            raise PracticeError(_l("There is no edit to submit."))
        revision.status = PracticeRevision.PENDING
        revision.submitted_at = now
        log_action(editor, "revision_submitted", "practice", practice.id)
        return
    raise PracticeError(_l("This practice cannot be submitted now."))


# What the author reads in the app for each decision (the mail says more).
DECISION_MESSAGES = {
    "approved": N_("Your practice “%(title)s” is published."),
    "rejected": N_("Your practice “%(title)s” was not accepted."),
    "changes_requested": N_("The moderators ask for changes to your practice “%(title)s”."),
    "revision_approved": N_("Your edit of “%(title)s” is published."),
    "revision_rejected": N_("Your edit of “%(title)s” was not accepted."),
    "revision_changes_requested": N_("The moderators ask for changes to your edit of “%(title)s”."),
}
DECISION_SUBJECTS = {
    "approved": N_("Your practice is published: %(title)s"),
    "rejected": N_("Your practice was not accepted: %(title)s"),
    "changes_requested": N_("Changes requested on your practice: %(title)s"),
    "revision_approved": N_("Your edit is published: %(title)s"),
    "revision_rejected": N_("Your edit was not accepted: %(title)s"),
    "revision_changes_requested": N_("Changes requested on your edit: %(title)s"),
}


def _tell_author(practice: Practice, who: User | None, decision: str, note: str) -> None:
    recipient = who or practice.author
    notify(
        recipient,
        "practice_decision",
        DECISION_MESSAGES[decision],
        url_for("practices.detail", practice_id=practice.id),
        mail_subject=DECISION_SUBJECTS[decision],
        mail_template="practice_decision",
        title=practice.title,
        decision=decision,
        note=note,
    )


def _check_moderator(practice: Practice, moderator: User) -> None:
    if practice.author_id == moderator.id:
        raise PracticeError(_l("You cannot moderate your own practice."))


def decide_practice(practice: Practice, moderator: User, decision: str, note: str = "") -> None:
    """approve, reject or request_changes for a pending practice or its pending edit."""
    _check_moderator(practice, moderator)
    if decision in ("reject", "request_changes") and not note.strip():
        raise PracticeError(_l("Say why: the author will read it."))
    now = utcnow()
    if practice.status == PracticeStatus.PENDING:
        if decision == "approve":
            practice.status = PracticeStatus.PUBLISHED
            practice.published_at = practice.published_at or now
            practice.updated_at = now
            told = "approved"
        elif decision == "reject":
            practice.status = PracticeStatus.REJECTED
            told = "rejected"
        elif decision == "request_changes":
            practice.status = PracticeStatus.CHANGES_REQUESTED
            told = "changes_requested"
        else:
            raise PracticeError(_l("Unknown decision."))
        log_action(moderator, f"practice_{told}", "practice", practice.id, note)
        index_practice(practice)
        _tell_author(practice, None, told, note)
        return
    revision = open_revision(practice)
    if (
        practice.status != PracticeStatus.PUBLISHED
        or revision is None
        or (revision.status != PracticeRevision.PENDING)
    ):
        raise PracticeError(_l("Nothing is waiting for moderation on this practice."))
    if revision.author_id == moderator.id:
        raise PracticeError(_l("You cannot moderate your own edit."))
    revision.decided_at = now
    revision.note = note
    if decision == "approve":
        _apply_content(practice, revision.content)
        practice.updated_at = now
        revision.status = PracticeRevision.APPROVED
        told = "revision_approved"
    elif decision == "reject":
        revision.status = PracticeRevision.REJECTED
        told = "revision_rejected"
    elif decision == "request_changes":
        revision.status = PracticeRevision.CHANGES_REQUESTED
        told = "revision_changes_requested"
    else:
        raise PracticeError(_l("Unknown decision."))
    log_action(moderator, told, "practice", practice.id, note)
    if revision.status == PracticeRevision.APPROVED:
        index_practice(practice)
    _tell_author(practice, revision.author, told, note)


def archive_practice(practice: Practice, actor: User, reason: str = "") -> None:
    if practice.status != PracticeStatus.PUBLISHED:
        raise PracticeError(_l("Only a published practice can be archived."))
    practice.status = PracticeStatus.ARCHIVED
    practice.archived_at = utcnow()
    log_action(actor, "practice_archived", "practice", practice.id, reason)
    unindex_practice(practice.id)


def restore_practice(practice: Practice, actor: User, reason: str = "") -> None:
    if practice.status != PracticeStatus.ARCHIVED:
        raise PracticeError(_l("Only an archived practice can be restored."))
    practice.status = PracticeStatus.PUBLISHED
    practice.archived_at = None
    log_action(actor, "practice_restored", "practice", practice.id, reason)
    index_practice(practice)


def delete_draft(practice: Practice, actor: User) -> None:
    """A practice that was never published can be deleted by its insiders."""
    if practice.published_at is not None or practice.status not in (
        PracticeStatus.DRAFT,
        PracticeStatus.CHANGES_REQUESTED,
        PracticeStatus.REJECTED,
    ):
        raise PracticeError(_l("Only an unpublished draft can be deleted; archive it instead."))
    log_action(actor, "practice_deleted", "practice", practice.id, practice.title)
    from app.practices.attachments import remove_files

    remove_files(practice.attachments)
    unindex_practice(practice.id)
    db.session.delete(practice)


def discard_open_revision(practice: Practice, actor: User) -> None:
    revision = open_revision(practice)
    if revision is None or revision.status == PracticeRevision.PENDING:
        raise PracticeError(_l("There is no edit to discard."))
    db.session.delete(revision)
