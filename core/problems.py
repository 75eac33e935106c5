"""One error format for the API: application/problem+json (RFC 9457), with field errors under `errors`."""
from flask import current_app, jsonify
from werkzeug.exceptions import HTTPException

PROBLEM_MIME = "application/problem+json"


class ServiceError(Exception):
    """Raised by services for a refused operation; views turn it into a form message, the API into a problem."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class ValidationFailed(ServiceError):
    status = 422
    title = "Validation failed"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"


def problem(status: int, title: str, detail: str = "", errors: dict | None = None, type_: str = "about:blank"):
    # messages may be lazy translations: render them in the request's language now
    body = {"type": type_, "title": str(title), "status": status, "detail": str(detail or title)}
    if errors:
        body["errors"] = {str(field): [str(m) for m in messages] for field, messages in errors.items()}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIME
    return response


def flatten_webargs(messages) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"name": [...]}}); the API promises {field: [messages]}."""
    if isinstance(messages, list):
        return {"_schema": [str(m) for m in _flat_list(messages)]}
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    if set(messages) <= {"json", "query", "form", "headers", "files", "path", "view_args"}:
        merged: dict = {}
        for loc_errors in messages.values():
            merged.update(flatten_webargs(loc_errors))
        return merged
    flat: dict[str, list[str]] = {}
    for field, value in messages.items():
        if isinstance(value, list):
            flat[str(field)] = [str(m) for m in _flat_list(value)]
        elif isinstance(value, dict):
            for sub, sub_msgs in flatten_webargs(value).items():
                key = str(field) if sub == "_schema" else f"{field}.{sub}"
                flat[key] = sub_msgs
        else:
            flat[str(field)] = [str(value)]
    return flat


def _flat_list(values):
    for value in values:
        if isinstance(value, list):
            yield from _flat_list(value)
        else:
            yield value


def problem_from_http_exception(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    errors = flatten_webargs(data["messages"]) if "messages" in data else data.get("errors")
    detail = data.get("message") or exc.description or exc.name
    title = exc.name
    if exc.code == 422:
        title = ValidationFailed.title  # one title for schema and service validation
        if errors:
            detail = "The request has invalid fields: " + ", ".join(sorted(errors))
    if exc.code and exc.code >= 500:
        current_app.logger.exception("server error")
    return problem(exc.code or 500, title, detail, errors)
