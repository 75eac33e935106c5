"""Error handlers: HTML pages for people, problem+json for /api. Bad input never becomes a 500."""
from flask import Flask, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.problems import ServiceError, problem, problem_from_http_exception


def _wants_problem() -> bool:
    return request.path.startswith("/api/")


def _nul_fields(value, path: str = "") -> list[str]:
    """Fields of a JSON body whose text holds a NUL character (PostgreSQL cannot store it)."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [f for key, item in value.items() for f in _nul_fields(item, f"{path}.{key}" if path else str(key))]
    if isinstance(value, list):
        return [f for i, item in enumerate(value) for f in _nul_fields(item, f"{path}.{i}" if path else str(i))]
    return []


def refuse_nul_characters():
    """Text with a NUL character, in the query string, a form or a JSON body, is refused before any view sees
    it (422 naming the fields), on every database: otherwise PostgreSQL answers with an error that would become
    a 500."""
    fields = [key for key, value in request.args.items(multi=True) if "\x00" in value or "\x00" in key]
    fields += [key for key, value in request.form.items(multi=True) if "\x00" in value]
    if request.is_json and request.method not in ("GET", "HEAD", "OPTIONS"):
        fields += _nul_fields(request.get_json(silent=True))
    if not fields:
        return None
    message = gettext("Text must not contain NUL characters.")
    if _wants_problem():
        return problem(422, "Unprocessable Content", message, {f: [message] for f in fields})
    return render_template("error.html", code=400, message=message), 400


def rate_limit_message() -> str | None:
    """How long a breached rate limit of this request still lasts, in words (None when unknown)."""
    import math
    import time

    from core.extensions import limiter

    try:
        reached = limiter.current_limit
    except Exception:  # noqa: BLE001 - the message is a courtesy; the 429 stands without it
        return None
    if reached is None:
        return None
    seconds = max(0, reached.reset_at - time.time())
    if seconds <= 90:
        return gettext("Too many attempts from your address. Please wait a minute and try again.")
    minutes = max(1, round(seconds / 60))
    if minutes <= 90:
        return gettext("Too many attempts from your address. Please try again in %(minutes)d minutes.",
                       minutes=minutes)
    return gettext("Too many attempts from your address. Please try again in %(hours)d hours.",
                   hours=math.ceil(minutes / 60))


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        if _wants_problem():
            return problem(exc.status, exc.title, exc.detail, exc.errors)
        return render_template("error.html", code=exc.status, message=exc.detail), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if _wants_problem():
            return problem(400, "Bad request", exc.description)
        return render_template("error.html", code=400, message=exc.description), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if _wants_problem():
            return problem_from_http_exception(exc)
        message = rate_limit_message() if exc.code == 429 else None
        return render_template("error.html", code=exc.code, message=message), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_problem():
            return problem(500, "Internal Server Error", "Something went wrong on our side; it has been logged.")
        return render_template("error.html", code=500, message=None), 500
