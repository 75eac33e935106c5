"""Marshmallow schemas of the tenants API: they validate input and document the OpenAPI spec."""
from marshmallow import Schema, ValidationError, fields, validate


def _iban(value: str) -> None:
    from tenants.services import iban_problem

    if (value or "").strip() and (problem := iban_problem(value)):
        raise ValidationError(str(problem))


def _bic(value: str) -> None:
    """The BIC on its own (whether it fits the IBAN is the service's check: the IBAN may be stored already)."""
    from tenants.services import bic_problem

    if (value or "").strip() and (problem := bic_problem(value)):
        raise ValidationError(str(problem))


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
    bic = fields.String(validate=[validate.Length(max=11), _bic])
    # empty until the alliance fills it in: a string that is empty or an address (not format "email")
    email = fields.String(validate=[validate.Length(max=254), _email_or_empty])
    register_number = fields.String(validate=validate.Length(max=100), metadata={
        "description": "Association register entry, e.g. VR 1234, Amtsgericht Hamm"})
    contact_name = fields.String(validate=validate.Length(max=200))
    phone = fields.String(validate=validate.Length(max=40))
    payment_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=120),
                                  metadata={"description": "Days from the invoice date until it is due"})
    status = fields.String(dump_only=True)


class TenantPatchSchema(TenantSchema):
    """All fields optional (PATCH)."""
