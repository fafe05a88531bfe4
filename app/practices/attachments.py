"""Attachments: the type is read from the content, never trusted from the name or browser."""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from app.extensions import db
from app.models import Attachment, Practice, User

# content type -> file extension we give the download
_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
_ODF = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
MAX_FILES = 10


class AttachmentError(Exception):
    """The upload was refused; the message says why."""


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) for the kinds of file we accept, from the bytes themselves."""
    if data.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                if "mimetype" in names:
                    kind = archive.read("mimetype").decode("ascii", "ignore").strip()
                    if kind in _ODF:
                        return kind, _ODF[kind]
                if "[Content_Types].xml" in names:
                    for prefix, result in _OOXML.items():
                        if any(n.startswith(prefix) for n in names):
                            return result
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    return None


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def add_attachment(practice: Practice, uploader: User, file_storage) -> Attachment:
    """Check and store an uploaded file; the row is added to the session."""
    if len(practice.attachments) >= MAX_FILES:
        raise AttachmentError(_l("A practice can have at most %(n)s attachments.", n=MAX_FILES))
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = file_storage.read(limit + 1)
    if not data:
        raise AttachmentError(_l("The file is empty."))
    if len(data) > limit:
        raise AttachmentError(_l("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024)))
    kind = sniff(data)
    if kind is None:
        raise AttachmentError(
            _l(
                "This kind of file is not accepted. Use PDF, PNG, JPEG, GIF, WebP, "
                "Word, Excel, PowerPoint or OpenDocument files."
            )
        )
    content_type, extension = kind
    base = secure_filename(file_storage.filename or "") or f"attachment.{extension}"
    stem = os.path.splitext(base)[0][:150] or "attachment"
    stored = f"{secrets.token_hex(16)}.{extension}"
    (upload_folder() / stored).write_bytes(data)
    attachment = Attachment(
        practice=practice,
        uploaded_by_id=uploader.id,
        filename=f"{stem}.{extension}",
        content_type=content_type,
        size=len(data),
        stored_name=stored,
    )
    db.session.add(attachment)
    return attachment


def path_of(attachment: Attachment) -> Path:
    return upload_folder() / attachment.stored_name


def remove_files(attachments) -> None:
    for attachment in attachments:
        try:
            path_of(attachment).unlink()
        except FileNotFoundError:
            pass
