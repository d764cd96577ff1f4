"""How the web says no: the project's errors and HTTP's as JSON for programs and a page
for people, and requests refused before they reach the database.

Routes raise (an :class:`~estate.errors.EstateError` carries its HTTP status); they
never catch and abort. One handler here turns each into its answer.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from estate.errors import EstateError
from estate.mapquery import BadQuery

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Refuse NUL characters, and answer every error in words."""
    app.before_request(refuse_nul)
    app.register_error_handler(EstateError, answer_estate_error)
    app.register_error_handler(HTTPException, answer_http_error)


def wants_json() -> bool:
    """Whether the request is a program's (the APIs, or JSON asked for)."""
    return request.path.startswith(("/api", "/ogcapi", "/club/api")) or (
        request.accept_mimetypes.best == "application/json"
    )


def refuse_nul() -> None:
    """PostgreSQL text cannot hold NUL; say so rather than fail in the driver."""
    values = [*request.args.values(), *(request.view_args or {}).values()]
    values += [v for _, listed in request.form.lists() for v in listed]
    if any("\x00" in str(v) for v in values):
        raise BadQuery("a parameter holds a NUL character")


def answer_estate_error(exc: EstateError):
    """The one mapping of the project's errors to HTTP: each carries its meaning."""
    status = getattr(exc, "status", 400)
    if status >= 500:
        logger.warning("%s: %s", type(exc).__name__, exc)
    if wants_json():
        name = HTTP_STATUS_CODES.get(status, "Bad Request").replace(" ", "")
        return jsonify(code=name, description=str(exc)), status
    return render_template("error.html", code=status, message=str(exc)), status


def answer_http_error(exc: HTTPException):
    """Flask's own refusals (404, 405, 413...) in the same two forms."""
    if wants_json():
        return jsonify(code=exc.name.replace(" ", ""), description=exc.description), exc.code
    return render_template("error.html", code=exc.code, message=exc.description), exc.code
