"""The `flask` commands: seed-demo, users create/import, worker, search reindex, backup."""

from __future__ import annotations

import signal
import sys
import time

import click
from flask import Flask

from app.extensions import db


def _in_request(app: Flask):
    """A request context on BASE_URL, so that commands can build links and render mail."""
    return app.test_request_context("/", base_url=app.config["BASE_URL"])


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo cities, themes and people (idempotent)."""
        from app.demo import seed_demo

        with _in_request(app):
            created = seed_demo()
            db.session.commit()
        click.echo(
            "Demo data: {cities} cities, {themes} themes, {users} people, "
            "{practices} practices, {exchanges} exchanges added.".format(**created)
        )

    users = click.Group("users", help="Create and import accounts.")

    @users.command("create")
    @click.argument("email")
    @click.option("--password", required=True, help="The account's password.")
    @click.option(
        "--role",
        type=click.Choice(["participant", "official", "moderator", "admin"]),
        default="participant",
        show_default=True,
    )
    @click.option("--city", default=None, help="City name (required for officials).")
    @click.option("--name", default=None, help="Display name (default: the address's local part).")
    def create_command(email, password, role, city, name):
        """Create a confirmed account."""
        from app.users_io import create_user

        with _in_request(app):
            try:
                user = create_user(email, password, role, city, name)
            except ValueError as error:
                db.session.rollback()
                raise click.ClickException(str(error)) from error
            db.session.commit()
            # Inside the context: once it closes, the session is gone and `user` detached.
            click.echo(f"Created {user.email} ({user.role}).")

    @users.command("import")
    @click.argument("file", type=click.File("r", encoding="utf-8-sig"))
    def import_command(file):
        """Import accounts from a CSV file (email,name,role,city[,password]): all or none."""
        from app.users_io import ImportError_, import_users

        with _in_request(app):
            try:
                result = import_users(file.read())
            except ImportError_ as error:
                db.session.rollback()
                click.echo("Nothing was imported. Refused rows:", err=True)
                for line, reason in error.refusals:
                    click.echo(f"  line {line}: {reason}", err=True)
                sys.exit(1)
            db.session.commit()
        click.echo(
            f"Imported {len(result.created)} account(s); "
            f"{len(result.invited)} will receive a mail to choose a password."
        )

    app.cli.add_command(users)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Do one round (schedule, then send), then stop.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
    def worker_command(once, interval):
        """Schedule reminders and digests, then send due outbox messages.

        SIGTERM (or Ctrl-C) finishes the message in hand, then stops. See app/mail.py for why
        a worker killed outright loses nothing.
        """
        from app.mail import send_due
        from app.notifications.scheduler import schedule_due

        stopping = {"now": False}

        def _stop(_signum, _frame):
            stopping["now"] = True

        def should_stop():
            return stopping["now"]

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while True:
            with _in_request(app):
                reminders, digests = schedule_due(should_stop=should_stop)
                sent, failed = send_due(limit=10_000 if once else 100, should_stop=should_stop)
                db.session.remove()
            if reminders or digests:
                click.echo(f"scheduled {reminders} reminder(s), {digests} digest(s)")
            if sent or failed:
                click.echo(f"sent {sent}, failed {failed}")
            if once or stopping["now"]:
                break
            if not sent and not failed:
                for _ in range(int(interval * 10)):
                    if stopping["now"]:
                        break
                    time.sleep(0.1)

    search = click.Group("search", help="The full-text search index.")

    @search.command("reindex")
    def reindex_command():
        """Rebuild the search index from the published practices."""
        from app.search import reindex_all

        with _in_request(app):
            count = reindex_all()
            db.session.commit()
        click.echo(f"Indexed {count} published practice(s).")

    app.cli.add_command(search)

    backup = click.Group("backup", help="Back up and restore the database and the uploads.")

    @backup.command("create")
    @click.argument("directory", type=click.Path(file_okay=False))
    def backup_create_command(directory):
        """Write a dated archive (database dump and uploads) into DIRECTORY."""
        from app.backup import BackupError, create_backup

        with app.app_context():
            try:
                path = create_backup(directory)
            except BackupError as error:
                raise click.ClickException(str(error)) from error
        click.echo(f"Backup written to {path}")

    @backup.command("restore")
    @click.argument("archive", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--force", is_flag=True, help="Replace a database or uploads folder that is not empty."
    )
    def backup_restore_command(archive, force):
        """Restore the database and the uploads from ARCHIVE (made by `backup create`)."""
        from app.backup import BackupError, restore_backup

        with app.app_context():
            try:
                manifest = restore_backup(archive, force=force)
            except BackupError as error:
                raise click.ClickException(str(error)) from error
        click.echo(
            f"Restored the {manifest['database']} database of {manifest['created_at']} "
            f"(revision {manifest['revision']}) and {manifest['uploads']} uploaded file(s). "
            "Run `flask db upgrade` if this version has newer migrations."
        )

    app.cli.add_command(backup)
