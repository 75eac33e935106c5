"""Error handlers: HTML pages for people, problem+json for /api. Bad input never becomes a 500."""
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.problems import ServiceError, problem, problem_from_http_exception


def _wants_problem() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
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
        return render_template("error.html", code=exc.code, message=None), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_problem():
            return problem(500, "Internal Server Error", "Something went wrong on our side; it has been logged.")
        return render_template("error.html", code=500, message=None), 500
