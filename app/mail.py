"""Mail: rendering into the outbox inside the caller's transaction, and the worker that sends.

Delivery order, and why nothing is lost: the worker claims one due row (on PostgreSQL with
SELECT … FOR UPDATE SKIP LOCKED, so a second worker skips it), sends it over SMTP while the
row stays locked and `queued`, and only then marks it `sent` and commits. A worker killed
before that commit (SIGKILL, power cut) leaves the row `queued`: its transaction is rolled
back, the lock goes with the connection, and the next round sends the message again with the
Message-ID fixed when it was queued, so the receiving side sees one message at most twice
and can tell the copies apart. A worker told to stop (SIGTERM) finishes the message in hand.
On SQLite, which has no row locks, the claim is a short lease instead (see _claim_one): a
killed worker's message goes again once the lease has run out.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.models import OutboxAttachment, OutboxMessage, User
from app.timeutil import utcnow

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a mail subject for extraction; queue_mail translates it for the recipient."""
    return message


def _message_id() -> str:
    domain = current_app.config["BASE_URL"].split("://", 1)[-1].split("/", 1)[0].split(":")[0]
    return f"<{uuid.uuid4().hex}@{domain or 'urban-exchange'}>"


def queue_mail(
    recipient: User | str,
    subject: str,
    template: str,
    kind: str = "account",
    locale: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    **context,
) -> OutboxMessage:
    """Render `template` (.txt and .html) in the recipient's language and add it to the outbox.

    The caller commits: the message exists exactly when the change that caused it does.
    `subject` is a msgid translated in the recipient's language, formatted with context.
    `attachments` are (filename, MIME type with parameters, bytes), stored with the message.
    With `unsubscribe_url` in the context both parts end with the unsubscribe link.
    """
    if isinstance(recipient, User):
        address = recipient.email
        locale = locale or recipient.locale
        context.setdefault("user", recipient)
    else:
        address = recipient
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        context["base_url"] = current_app.config["BASE_URL"]
        rendered_subject = _(subject, **{k: v for k, v in context.items() if isinstance(v, str)})
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
        if context.get("unsubscribe_url"):
            text = text.rstrip("\n") + "\n\n" + render_template("email/_unsubscribe.txt", **context)
    message = OutboxMessage(
        message_id=_message_id(),
        recipient=address,
        subject=rendered_subject,
        body_text=text,
        body_html=html,
        headers_text="\n".join(f"{k}: {v}" for k, v in (headers or {}).items()),
        kind=kind,
        status=OutboxMessage.QUEUED,
        next_attempt_at=utcnow(),
        attachments=[
            OutboxAttachment(filename=name, content_type=content_type, data=data)
            for name, content_type, data in attachments or ()
        ],
    )
    db.session.add(message)
    db.session.flush()
    return message


def build_email(message: OutboxMessage) -> EmailMessage:
    """The MIME message for an outbox row: plain text with an HTML alternative, then any
    attachments (multipart/mixed)."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = formatdate(message.created_at.timestamp(), localtime=False)
    for line in (message.headers_text or "").splitlines():
        name, _sep, value = line.partition(": ")
        if name and value:
            email[name] = value
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments:
        mime, *raw_params = (part.strip() for part in attachment.content_type.split(";"))
        maintype, _slash, subtype = mime.partition("/")
        params = dict(p.split("=", 1) for p in raw_params if "=" in p)
        email.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return email


class TemporaryFailure(Exception):
    """The server could not take the message now; try again later."""


def deliver(email: EmailMessage) -> None:
    """Send one message over SMTP, or write it to the log when no server is configured."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        log.info("Mail (no MAIL_SERVER set):\n%s", email.as_string())
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        # SMTPException is an OSError: without this clause a 5xx refusal would be retried.
        codes = [code for code, _text in error.recipients.values()]
        if codes and all(400 <= code < 500 for code in codes):
            raise TemporaryFailure(str(error.recipients)) from error
        raise
    except smtplib.SMTPResponseException as error:
        if 400 <= error.smtp_code < 500:
            raise TemporaryFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise
    except (TimeoutError, OSError, smtplib.SMTPServerDisconnected) as error:
        raise TemporaryFailure(str(error)) from error


# SQLite has no row locks: there a message is leased instead, by moving its next attempt past
# the longest a send can take (the SMTP timeout is 30 s), in a short transaction of its own.
# A worker killed mid-send leaves the lease to run out; the message then goes again.
SQLITE_LEASE = timedelta(minutes=5)


def _due(entity, tried: set[int]):
    query = (
        select(entity)
        .where(OutboxMessage.status == OutboxMessage.QUEUED)
        .where(OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if tried:
        query = query.where(OutboxMessage.id.not_in(tried))
    return query


def _claim_one(tried: set[int]) -> OutboxMessage | None:
    """The next due message, claimed for this worker alone, or None.

    PostgreSQL: locked with FOR UPDATE SKIP LOCKED for the rest of the transaction, so other
    workers skip it. SQLite: leased by an UPDATE that is the transaction's first statement
    (so it takes the write lock on a fresh snapshot); a second worker finds it not due.
    """
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(_due(OutboxMessage, tried).with_for_update(skip_locked=True))
    now = utcnow()
    row_id = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == _due(OutboxMessage.id, tried).scalar_subquery())
        .values(next_attempt_at=now + SQLITE_LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return None if row_id is None else db.session.get(OutboxMessage, row_id)


def send_due(limit: int = 50, should_stop=lambda: False) -> tuple[int, int]:
    """Send the messages that are due, one transaction each. Returns (sent, failed)."""
    sent = failed = 0
    config = current_app.config
    # A message that failed goes back to the end of the line, not again in the same round.
    tried: set[int] = set()
    while not should_stop():
        message = _claim_one(tried)
        if message is None:
            db.session.rollback()
            break
        tried.add(message.id)
        try:
            deliver(build_email(message))
        except Exception as error:  # noqa: BLE001 - any failure is recorded on the row
            message.attempts += 1
            message.last_error = str(error)[:2000]
            permanent = not isinstance(error, TemporaryFailure)
            if permanent or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                message.status = OutboxMessage.FAILED
                failed += 1
            else:
                delay = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
                message.next_attempt_at = utcnow() + timedelta(seconds=delay)
            db.session.commit()
            continue
        message.status = OutboxMessage.SENT
        message.attempts += 1
        message.sent_at = utcnow()
        db.session.commit()
        sent += 1
        if sent + failed >= limit:
            break
    return sent, failed
