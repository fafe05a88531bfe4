"""`flask worker --once`: delivery over real SMTP, the log without a server, retries."""

from __future__ import annotations

import logging
import signal
import socket
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import OutboxMessage
from app.timeutil import utcnow
from tests.helpers import row


@pytest.fixture
def worker(app):
    """Run `flask worker --once`; the command's signal handlers are put back afterwards."""
    runner = app.test_cli_runner()
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _run():
        result = runner.invoke(args=["worker", "--once"])
        assert result.exception is None, result.output
        return result

    yield _run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def queued(client, factory):
    """One reset mail waiting in the outbox, for `person@...`."""
    person = factory.user(email="person@example.org", name="Pia Person")
    client.post("/auth/reset", data={"email": person.email})
    return person


def message(app):
    return row(app, OutboxMessage, recipient="person@example.org")


def test_worker_sends_queued_mail(app, queued, smtp_server, worker):
    result = worker()
    assert "sent 1, failed 0" in result.output
    [received] = smtp_server.to("person@example.org")
    assert received["Subject"] == "Reset your password"
    assert received["Message-ID"] == message(app).message_id
    assert "/auth/reset/" in smtp_server.text_of(received)
    assert "/auth/reset/" in smtp_server.html_of(received)
    sent = message(app)
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None
    # Nothing is sent twice.
    worker()
    assert len(smtp_server.messages) == 1


def test_without_mail_server_the_message_goes_to_the_log(app, queued, worker, caplog):
    app.config["MAIL_SERVER"] = ""
    caplog.set_level(logging.INFO, logger="app.mail")
    worker()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "To: person@example.org" in logged
    assert "Subject: Reset your password" in logged
    assert message(app).status == "sent"


def test_temporary_refusal_keeps_the_message_queued(app, queued, smtp_server, worker):
    smtp_server.refuse_with = "451 try later"
    before = utcnow()
    worker()
    kept = message(app)
    assert kept.status == "queued"
    assert kept.attempts == 1
    assert kept.next_attempt_at > before + timedelta(seconds=30)
    assert "451" in kept.last_error
    assert smtp_server.messages == []

    # Once the server accepts again and the retry is due, it goes out.
    smtp_server.refuse_with = None
    with app.app_context():
        db.session.execute(
            update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    worker()
    assert message(app).status == "sent" and message(app).attempts == 2
    assert len(smtp_server.to("person@example.org")) == 1


def test_permanent_refusal_marks_the_message_failed(app, queued, smtp_server, worker):
    smtp_server.refuse_with = "550 no such mailbox"
    result = worker()
    assert "failed 1" in result.output
    failed = message(app)
    assert failed.status == "failed" and failed.attempts == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_retried_then_marked_failed(app, queued, worker):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_MAX_ATTEMPTS=3)
    before = utcnow()
    worker()
    first = message(app)
    assert first.status == "queued" and first.attempts == 1
    assert first.next_attempt_at >= before + timedelta(
        seconds=app.config["MAIL_RETRY_BASE_SECONDS"]
    )
    assert first.last_error

    # Time passes: the retries are due, one attempt per round (never two in one round).
    app.config["MAIL_RETRY_BASE_SECONDS"] = 0
    for attempt in (2, 3):
        with app.app_context():
            db.session.execute(
                update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
        result = worker()
        assert message(app).attempts == attempt
    assert "failed 1" in result.output
    final = message(app)
    assert final.status == "failed" and final.attempts == 3
