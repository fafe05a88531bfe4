"""`flask backup create DIR` and `flask backup restore ARCHIVE [--force]` on the suite's database
(SQLite in the first CI pass, PostgreSQL in the second)."""

from __future__ import annotations

import io
import json
import re
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Practice, User
from tests.conftest import _wipe
from tests.practices.helpers import make_practice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture
def uploads(app, tmp_path) -> Path:
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def content(app, users, themes, login_as, uploads):
    """A published practice, and a draft with an attachment uploaded through the page."""
    published_id = make_practice(app, users["official"].id, title="Free buses every five minutes")
    draft_id = make_practice(app, users["official"].id, status="draft", title="Mask logistics")
    official = login_as("official")
    response = official.post(
        f"/practices/{draft_id}/attachments",
        data={"file": (io.BytesIO(PDF), "logistics.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [stored] = [p.name for p in uploads.iterdir()]
    return {"published": published_id, "draft": draft_id, "stored": stored}


def backup(cli, directory: Path) -> Path:
    result = cli("backup", "create", str(directory))
    assert result.exit_code == 0, result.output
    [archive] = directory.glob("urban-exchange-*.tar.gz")
    assert f"Backup written to {archive}" in result.output
    return archive


def wipe(app, uploads: Path) -> None:
    _wipe(app)
    for path in uploads.iterdir():
        path.unlink()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def assert_everything_is_back(app, content, login_as, uploads):
    anonymous = login_as("anonymous")
    page = anonymous.get(f"/practices/{content['published']}")
    assert page.status_code == 200
    assert "Free buses every five minutes" in page.get_data(as_text=True)
    # Found by search again: the index came back with the tables.
    listing = anonymous.get("/practices/?q=buses").get_data(as_text=True)
    assert f"/practices/{content['published']}" in listing
    official = login_as("official")
    draft = official.get(f"/practices/{content['draft']}").get_data(as_text=True)
    link = re.search(r'href="(/practices/\d+/attachments/\d+)"', draft).group(1)
    download = official.get(link)
    assert download.status_code == 200 and download.data == PDF
    assert (uploads / content["stored"]).read_bytes() == PDF


def test_backup_is_a_dated_archive_with_the_dump_and_the_uploads(app, cli, content, tmp_path):
    archive = backup(cli, tmp_path / "backups")
    assert re.fullmatch(r"urban-exchange-\d{8}T\d{6}Z\.tar\.gz", archive.name)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        assert tar.extractfile(f"uploads/{content['stored']}").read() == PDF
    dialect = (
        "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"
    )
    assert manifest["database"] == dialect
    assert manifest["dump"] in names
    assert manifest["uploads"] == 1
    assert manifest["revision"].startswith("00")
    # A second backup in the same second gets a name of its own.
    cli("backup", "create", str(tmp_path / "backups"))
    assert len(list((tmp_path / "backups").glob("urban-exchange-*.tar.gz"))) == 2


def test_backup_wipe_restore_finds_the_data_and_the_attachment(
    app, cli, content, login_as, uploads, tmp_path
):
    people = count(app, User)
    archive = backup(cli, tmp_path / "backups")
    wipe(app, uploads)
    assert count(app, Practice) == 0 and count(app, User) == 0
    assert login_as("anonymous").get(f"/practices/{content['published']}").status_code == 404

    result = cli("backup", "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "1 uploaded file(s)" in result.output
    assert count(app, User) == people
    assert count(app, Practice) == 2 and count(app, Attachment) == 1
    assert_everything_is_back(app, content, login_as, uploads)


def test_restore_refuses_a_database_that_is_not_empty_without_force(
    app, cli, content, login_as, users, uploads, tmp_path
):
    archive = backup(cli, tmp_path / "backups")
    later = make_practice(app, users["official"].id, title="Written after the backup")

    refused = cli("backup", "restore", str(archive))
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--force" in refused.output
    assert count(app, Practice) == 3

    forced = cli("backup", "restore", str(archive), "--force")
    assert forced.exit_code == 0, forced.output
    assert count(app, Practice) == 2
    with app.app_context():
        assert db.session.get(Practice, later) is None
    assert_everything_is_back(app, content, login_as, uploads)


def test_restore_refuses_what_is_not_a_backup(app, cli, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        data = b"hello"
        info = tarfile.TarInfo("notes.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    result = cli("backup", "restore", str(bogus))
    assert result.exit_code != 0
    assert "not an Urban Exchange backup" in result.output
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar file")
    result = cli("backup", "restore", str(broken))
    assert result.exit_code != 0 and "Cannot read" in result.output
