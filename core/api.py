"""The JSON API under /api/v1: flask-smorest (OpenAPI from marshmallow schemas), bearer-token auth, pagination."""
import base64
from functools import wraps

from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import HTTPException

from core.converters import MAX_ID
from core.problems import ValidationFailed, problem_from_http_exception
from core.validation import get_or_404

# an id in a request body is bounded like an id in a path: beyond the column's range it is a 422, never a 500
ID = validate.Range(min=1, max=MAX_ID)

API_PREFIX = "/api/v1"
MAX_LIMIT = 500


class ProblemSchema(Schema):
    """An error answer (RFC 9457 problem details) as every handler sends it."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages per field (validation)"})


class ProblemApi(Api):
    """flask-smorest with errors in problem+json instead of its own format."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):
        return problem_from_http_exception(error)


api = ProblemApi(spec_kwargs={
    "info": {"description": "Bündnisnetz: every request is scoped to the tenant of its bearer token "
                            "(POST /api/v1/token). Errors are application/problem+json (RFC 9457)."},
    "security": [{"bearerAuth": []}],
})


def register_security_scheme() -> None:
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    generate = api.spec.to_dict

    def to_dict() -> dict:
        """The document as served: error answers are application/problem+json (what ProblemApi sends)."""
        spec = generate()
        responses = [r for path in spec.get("paths", {}).values() for op in path.values() if isinstance(op, dict)
                     for status, r in op.get("responses", {}).items() if _is_error(status)]
        responses += [r for name, r in spec.get("components", {}).get("responses", {}).items()
                      if name in ("DEFAULT_ERROR", "UNPROCESSABLE_CONTENT", "UNPROCESSABLE_ENTITY")]
        for response in responses:
            content = response.get("content") or {}
            if "application/json" in content:
                content["application/problem+json"] = content.pop("application/json")
        return spec

    api.spec.to_dict = to_dict


def _is_error(status) -> bool:
    return str(status) == "default" or str(status)[:1] in ("4", "5")


def api_blueprint(name: str, import_name: str, url: str, description: str = "") -> SmorestBlueprint:
    return SmorestBlueprint(name, import_name, url_prefix=f"{API_PREFIX}{url}", description=description)


class ListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None, validate=validate.Length(max=40))


def _after_cursor(query, model, args: dict):
    cursor = args.get("cursor")
    if cursor:
        try:
            after = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationFailed("Invalid cursor.", {"cursor": ["Not a valid cursor."]}) from exc
        if not 0 <= after <= MAX_ID:
            raise ValidationFailed("Invalid cursor.", {"cursor": ["Not a valid cursor."]})
        query = query.where(model.id > after)
    return query.order_by(model.id).limit((args.get("limit") or 50) + 1)


def _page(rows: list, args: dict, last_id) -> dict:
    limit = args.get("limit") or 50
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = base64.urlsafe_b64encode(str(last_id(rows[-1])).encode()).decode() if more and rows else None
    return {"items": rows, "next": nxt}


def page_of(query, model, args: dict) -> dict:
    """Keyset pagination by id: `{"items": [...], "next": cursor or null}`."""
    from core.extensions import db

    rows = db.session.scalars(_after_cursor(query, model, args)).unique().all()
    return _page(rows, args, lambda row: row.id)


def dumped_page_of(query, model, args: dict, item) -> dict:
    """`page_of` for the hot lists: `query` selects the columns a list shows (with `model.id` as `id`) and `item`
    turns each row into the dict the list's schema would dump; no ORM objects and no schema pass. The view
    returns `jsonify(...)` of it (flask-smorest passes a response through; the schema still documents it)."""
    from core.extensions import db

    rows = db.session.execute(_after_cursor(query, model, args)).all()
    page = _page(rows, args, lambda row: row.id)
    page["items"] = [item(row) for row in page["items"]]
    return page


def iso(value) -> str | None:
    """A date or time as the schemas dump it (marshmallow's ISO 8601), None as null."""
    return None if value is None else value.isoformat()


def list_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({"items": fields.List(fields.Nested(item_schema)), "next": fields.String(allow_none=True)},
                            name=name)


def loads(model, arg: str, name: str | None = None):
    """View decorator: load `model` by the URL argument `arg` through the ORM wall *before* the body is validated,
    so that another tenant's id is a 404 whatever the body holds. The view receives it as `name`."""
    target = name or model.__name__.lower()

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            kwargs[target] = get_or_404(model, kwargs.pop(arg))
            return view(*args, **kwargs)

        return wrapper

    return decorator
