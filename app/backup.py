"""Backups: one dated archive with a database dump and the uploads folder, and its restore.

The archive (``urban-exchange-<UTC date and time>.tar.gz``) holds ``manifest.json``, the
dump (``database.sqlite``, made with SQLite's online backup API, or ``database.pgdump``,
pg_dump's custom format) and ``uploads/``. Both are taken while the app keeps running.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import exists, inspect, select, text
from sqlalchemy.engine import make_url

from app.extensions import db

FORMAT = 1
SQLITE_DUMP = "database.sqlite"
PG_DUMP = "database.pgdump"


class BackupError(Exception):
    """The backup or the restore cannot be done; the message says why."""


# -- where things are -------------------------------------------------------------------------


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path() -> Path:
    database = _url().database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.split("/")[-3]))

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if not candidates:
        raise BackupError(
            f"{name} was not found on PATH nor in /usr/lib/postgresql/*/bin: "
            "install the PostgreSQL client (Debian: postgresql-client)."
        )
    return candidates[-1]


def _pg_connection() -> tuple[str, dict]:
    """A libpq URI without the password, and an environment that carries it (not argv)."""
    url = _url()
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[:2000]}")


# -- backup -----------------------------------------------------------------------------------


def _revision() -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _dump_database(target_dir: Path) -> str:
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        dump = target_dir / SQLITE_DUMP
        source = sqlite3.connect(_sqlite_path())
        copy = sqlite3.connect(dump)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return SQLITE_DUMP
    if dialect == "postgresql":
        uri, env = _pg_connection()
        _run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={target_dir / PG_DUMP}",
                f"--dbname={uri}",
            ],
            env,
        )
        return PG_DUMP
    raise BackupError(f"Backups of {dialect} databases are not supported.")


def _archive_path(directory: Path, now: datetime) -> Path:
    stem = f"urban-exchange-{now:%Y%m%dT%H%M%SZ}"
    path = directory / f"{stem}.tar.gz"
    number = 1
    while path.exists():
        number += 1
        path = directory / f"{stem}-{number}.tar.gz"
    return path


def create_backup(directory: str | os.PathLike) -> Path:
    """Write a dated archive of the database and the uploads into `directory`; its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    uploads = _upload_folder()
    files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else []
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as work:
        work_dir = Path(work)
        dump = _dump_database(work_dir)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": db.engine.dialect.name,
            "dump": dump,
            "revision": _revision(),
            "uploads": len(files),
        }
        (work_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = work_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / "manifest.json", arcname="manifest.json")
            archive.add(work_dir / dump, arcname=dump)
            for path in files:
                archive.add(path, arcname=f"uploads/{path.relative_to(uploads).as_posix()}")
        target = _archive_path(directory, now)
        # A rename in the same folder: the archive appears whole or not at all.
        os.replace(partial, target)
    return target


# -- restore ----------------------------------------------------------------------------------


def database_is_empty() -> bool:
    """True when none of the app's tables holds a row (or the tables do not exist yet)."""
    with db.engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name in present and conn.execute(select(exists().select_from(table))).scalar():
                return False
    return True


def _uploads_are_empty() -> bool:
    uploads = _upload_folder()
    return not uploads.is_dir() or not any(p.is_file() for p in uploads.rglob("*"))


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile("manifest.json"))
    except (KeyError, ValueError, TypeError) as error:
        raise BackupError("This is not an Urban Exchange backup (no manifest.json).") from error
    if manifest.get("format") != FORMAT or manifest.get("dump") not in (SQLITE_DUMP, PG_DUMP):
        raise BackupError("This backup was written in a format this version cannot read.")
    return manifest


def _restore_database(dump: Path, dialect: str) -> None:
    if dialect == "sqlite":
        target = _sqlite_path()
        db.session.remove()
        db.engine.dispose()
        source = sqlite3.connect(dump)
        live = sqlite3.connect(target, timeout=30)
        try:
            source.backup(live)
        finally:
            live.close()
            source.close()
        return
    uri, env = _pg_connection()
    db.session.remove()
    db.engine.dispose()
    _run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={uri}",
            str(dump),
        ],
        env,
    )


def _restore_uploads(extracted: Path) -> None:
    """Swap the extracted folder in place of the uploads folder (same file system)."""
    uploads = _upload_folder()
    uploads.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=uploads.parent, prefix=".uploads-restore-"))
    for path in extracted.rglob("*") if extracted.is_dir() else []:
        if path.is_file():
            destination = fresh / path.relative_to(extracted)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, destination)
    old = None
    if uploads.exists():
        old = uploads.with_name(f".{uploads.name}-replaced-{os.getpid()}")
        os.replace(uploads, old)
    os.replace(fresh, uploads)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def restore_backup(archive_path: str | os.PathLike, force: bool = False) -> dict:
    """Put the database and the uploads back as they were in the archive; its manifest.

    Refuses a database or uploads folder that is not empty unless `force` is given.
    """
    dialect = db.engine.dialect.name
    try:
        archive = tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"Cannot read {archive_path}: {error}") from error
    with archive, tempfile.TemporaryDirectory(prefix="ux-restore-") as work:
        manifest = _read_manifest(archive)
        if manifest["database"] != dialect:
            raise BackupError(
                f"This backup holds a {manifest['database']} database; "
                f"the configured database is {dialect}."
            )
        if not force and not (database_is_empty() and _uploads_are_empty()):
            raise BackupError(
                "The database or the uploads folder is not empty; "
                "use --force to replace their contents with the backup."
            )
        members = [
            m
            for m in archive.getmembers()
            if m.name == manifest["dump"] or m.name.startswith("uploads/")
        ]
        archive.extractall(work, members=members, filter="data")
        _restore_database(Path(work) / manifest["dump"], dialect)
        _restore_uploads(Path(work) / "uploads")
    return manifest
