"""The outbox loses nothing and sends nothing twice: a server that is down then up, 4xx and
5xx answers, the last attempt, two `flask worker` processes at once, SIGKILL and SIGTERM
in the middle of a send. Real aiosmtpd on loopback; real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from app.extensions import db
from app.models import ModerationAction, OutboxMessage
from app.timeutil import utcnow
from tests.smtp import SMTPServer, _free_port

ROOT = Path(__file__).resolve().parents[2]


def queue(app, count: int, prefix: str = "person") -> list[str]:
    """`count` due messages; returns their Message-IDs."""
    with app.app_context():
        rows = [
            OutboxMessage(
                message_id=f"<{prefix}-{i}-{time.monotonic_ns()}@localhost>",
                recipient=f"{prefix}{i}@example.org",
                subject=f"Message {i}",
                body_text=f"Body {i}",
                body_html=f"<p>Body {i}</p>",
                kind="account",
                status=OutboxMessage.QUEUED,
                next_attempt_at=utcnow() - timedelta(seconds=1),
            )
            for i in range(count)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [r.message_id for r in rows]


def statuses(app) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(select(OutboxMessage.status)).all())


def make_due(app) -> None:
    """Time passes: every queued message (retry or lease) is due now."""
    with app.app_context():
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxMessage.QUEUED)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def worker_process(app, port: int, *args: str) -> subprocess.Popen:
    """`flask worker` in a process of its own, on the test database and SMTP server."""
    env = {
        **os.environ,
        "APP_CONFIG": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": app.config["BASE_URL"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_RETRY_BASE_SECONDS": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FLASK_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_server_down_then_up_receives_every_message_exactly_once(app, send_mail):
    app.config.update(MAIL_RETRY_BASE_SECONDS=0, MAIL_MAX_ATTEMPTS=10)
    port = _free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    ids = queue(app, 12)
    # Nobody listens: every message stays queued, with an attempt and an error recorded.
    for _ in range(3):
        assert send_mail() == (0, 0)
        make_due(app)
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {"queued"}
        assert all(r.attempts == 3 and r.last_error for r in rows)

    server = SMTPServer(port=port)
    server.start()
    try:
        for _ in range(3):
            send_mail()
            make_due(app)
        assert sorted(server.message_ids()) == sorted(ids)
        assert statuses(app) == Counter(sent=12)
    finally:
        server.stop()


def test_temporary_answers_are_retried_permanent_ones_fail(app, smtp_server, send_mail):
    app.config.update(MAIL_RETRY_BASE_SECONDS=0)
    [first] = queue(app, 1, prefix="later")
    smtp_server.refuse_with = "451 4.3.0 try again later"
    send_mail()
    make_due(app)
    send_mail()
    with app.app_context():
        kept = db.session.scalar(select(OutboxMessage))
        assert kept.status == "queued" and kept.attempts == 2 and "451" in kept.last_error
    smtp_server.refuse_with = None
    make_due(app)
    send_mail()
    assert smtp_server.message_ids() == [first]

    queue(app, 1, prefix="never")
    smtp_server.refuse_with = "550 5.1.1 no such mailbox"
    assert send_mail() == (0, 1)
    with app.app_context():
        failed = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.status == OutboxMessage.FAILED)
        )
        assert failed.attempts == 1 and "550" in failed.last_error


def test_last_attempt_fails_shows_in_admin_outbox_and_retry_sends(
    app, smtp_server, send_mail, login_as
):
    app.config.update(MAIL_RETRY_BASE_SECONDS=0, MAIL_MAX_ATTEMPTS=3)
    [message_id] = queue(app, 1, prefix="stubborn")
    smtp_server.refuse_with = "421 4.7.0 too busy"
    for _ in range(3):
        send_mail()
        make_due(app)
    assert statuses(app) == Counter(failed=1)

    admin = login_as("admin")
    page = admin.get("/admin/outbox/?status=failed").get_data(as_text=True)
    assert "stubborn0@example.org" in page and "421" in page and "Retry" in page
    assert "Body 0" not in page  # bodies stay out of sight
    assert login_as("moderator").get("/admin/outbox/").status_code == 403
    with app.app_context():
        row_id = db.session.scalar(select(OutboxMessage.id))

    smtp_server.refuse_with = None
    response = admin.post(f"/admin/outbox/{row_id}/retry")
    assert response.status_code == 302
    assert statuses(app) == Counter(queued=1)
    send_mail()
    assert smtp_server.message_ids() == [message_id]
    assert statuses(app) == Counter(sent=1)
    # A sent message is not sent again by a retry.
    assert admin.post(f"/admin/outbox/{row_id}/retry").status_code == 409
    with app.app_context():
        [logged] = db.session.scalars(select(ModerationAction)).all()
        assert logged.action == "mail_retried" and logged.target_id == row_id


def test_two_worker_processes_never_send_a_message_twice(app, smtp_server):
    ids = queue(app, 40)
    workers = [worker_process(app, smtp_server.port, "--once") for _ in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    received = Counter(smtp_server.message_ids())
    assert sorted(received) == sorted(ids)
    assert set(received.values()) == {1}
    assert statuses(app) == Counter(sent=40)


def _start_and_hold(app, smtp_server, *args) -> subprocess.Popen:
    smtp_server.hold.set()
    worker = worker_process(app, smtp_server.port, *args)
    assert smtp_server.data_received.wait(60), worker.stderr.read() if worker.poll() else ""
    return worker


def test_sigkill_mid_send_leads_to_one_resend_with_the_same_message_id(app, smtp_server):
    [message_id] = queue(app, 1, prefix="killed")
    worker = _start_and_hold(app, smtp_server, "--once")
    # The server has the message; the worker dies before it hears "250" and marks it sent.
    worker.send_signal(signal.SIGKILL)
    worker.wait(30)
    smtp_server.hold.clear()
    assert statuses(app) == Counter(queued=1)

    make_due(app)  # on SQLite the dead worker's lease must run out first
    again = worker_process(app, smtp_server.port, "--once")
    _out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    # Never lost; at most once more, and recognisably the same message.
    assert smtp_server.message_ids() == [message_id, message_id]
    assert statuses(app) == Counter(sent=1)


def test_sigterm_finishes_the_message_in_hand_then_stops(app, smtp_server):
    first, second = queue(app, 2, prefix="term")
    worker = _start_and_hold(app, smtp_server)
    worker.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert worker.poll() is None  # still finishing the send
    smtp_server.hold.clear()
    _out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert smtp_server.message_ids() == [first]
    assert statuses(app) == Counter(sent=1, queued=1)
