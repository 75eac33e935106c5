"""Marshmallow schemas of the tenants API: they validate input and document the OpenAPI spec."""
from marshmallow import Schema, ValidationError, fields, validate


def _iban(value: str) -> None:
    from tenants.services import iban_ok

    compact = (value or "").replace(" ", "").upper()
    if compact and not iban_ok(compact):
        raise ValidationError("Not a valid IBAN (check digits).")


def _email_or_empty(value: str) -> None:
    if value:
        validate.Email()(value)


class TokenRequest(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1000))
    tenant = fields.String(required=True, validate=validate.Length(min=1, max=63),
                           metadata={"description": "The alliance's slug"})


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    role = fields.String()


class TokenInfo(Schema):
    """An API token as listed (its secret is shown once, at creation, never again)."""

    id = fields.Integer()
    user = fields.Function(lambda row: row.membership.user.email)
    role = fields.Function(lambda row: row.membership.role)
    created_at = fields.DateTime()
    expires_at = fields.DateTime()


class TokenList(Schema):
    items = fields.List(fields.Nested(TokenInfo))
    next = fields.String(allow_none=True)


class TenantSchema(Schema):
    slug = fields.String(dump_only=True)
    name = fields.String(validate=validate.Length(min=1, max=200))
    legal_name = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=2000))
    tax_number = fields.String(validate=validate.Length(max=40))
    vat_id = fields.String(validate=validate.Length(max=20))
    iban = fields.String(validate=[validate.Length(max=40), _iban])
    bic = fields.String(validate=validate.Length(max=11))
    # empty until the alliance fills it in: a string that is empty or an address (not format "email")
    email = fields.String(validate=[validate.Length(max=254), _email_or_empty])
    status = fields.String(dump_only=True)


class TenantPatchSchema(TenantSchema):
    """All fields optional (PATCH)."""
