"""Error responses: JSON under /api/, a page elsewhere, never a bare traceback."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "internal_error",
}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        401: _("You need to log in for this."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist, or you may not see it."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The upload is too large."),
        422: _("The data could not be processed."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. It has been logged."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, headers=None):
    """Render the error for this request, in the right format."""
    message = message or _messages().get(status, _messages()[500])
    if wants_json():
        response = jsonify(
            {"error": {"code": _CODES.get(status, "error"), "message": str(message)}}
        )
        response.status_code = status
    else:
        template = (
            f"errors/{status}.html" if status in (403, 404, 429, 500) else "errors/generic.html"
        )
        response = render_template(template, status=status, message=message), status
        from flask import make_response

        response = make_response(response)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _drop_nul_characters():
    """NUL can be neither stored nor compared in PostgreSQL text; never let it reach a query.

    It is dropped from query strings and forms, so that the rest of what the person typed is
    kept (a search still searches, a form comes back with its values). The API answers 422.
    """
    if request.path.startswith("/api/"):
        return
    if any("\x00" in value for value in request.args.values()):
        request.args = _without_nul(request.args)
    if request.method in ("POST", "PUT", "PATCH") and any(
        "\x00" in value for value in request.form.values()
    ):
        request.form = _without_nul(request.form)


def _without_nul(values) -> ImmutableMultiDict:
    return ImmutableMultiDict(
        [
            (key.replace("\x00", ""), value.replace("\x00", ""))
            for key, value in values.items(multi=True)
        ]
    )


def register(app: Flask) -> None:
    """Install the handlers."""

    app.before_request(_drop_nul_characters)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return error_response(
            400, _("The form expired or was sent from elsewhere. Please try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        headers = {}
        if error.code == 429:
            retry = getattr(error, "retry_after", None)
            if retry is None and error.response is not None:
                retry = error.response.headers.get("Retry-After")
            headers["Retry-After"] = str(retry or 60)
        if error.code == 405 and getattr(error, "valid_methods", None):
            headers["Allow"] = ", ".join(error.valid_methods)
        description = None
        if getattr(error, "ux_message", None):
            description = error.ux_message
        limit = getattr(error, "limit", None)
        if limit is not None and getattr(limit, "error_message", None):
            description = error.description
        return error_response(error.code or 500, description, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return _http(error)
        app.logger.exception("Unhandled error on %s", request.path)
        db.session.rollback()
        return error_response(500)

    _ = InternalServerError  # kept for readers: 500 is rendered by _unexpected
