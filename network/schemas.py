"""Marshmallow schemas of the directory API (/api/v1/agencies, /api/v1/service-areas); they shape input and output
and document the OpenAPI spec. Business rules live in network.services, so pages get the same messages."""
from marshmallow import Schema, ValidationError, fields, validate

from core.api import ID
from network.leitweg import leitweg_problems
from network.models import AGENCY_KINDS, PARTNER_KINDS


def _leitweg(value: str) -> None:
    # checked here too (not only in the service) so that all field errors come back in one answer
    if problems := leitweg_problems((value or "").strip().upper()):
        raise ValidationError([str(p) for p in problems])


def _optional_email(value: str) -> None:
    if value and "@" not in value:
        raise ValidationError("Not a valid e-mail address.")


class AgencySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="other", validate=validate.OneOf(AGENCY_KINDS))
    leitweg_id = fields.String(load_default="", validate=[validate.Length(max=46), _leitweg])
    email = fields.String(load_default="", validate=[validate.Length(max=254), _optional_email])
    address = fields.String(load_default="", validate=validate.Length(max=2000))
    contact = fields.String(load_default="", validate=validate.Length(max=200))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class AgencyPatchSchema(AgencySchema):
    class Meta:
        exclude = ()

    name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(AGENCY_KINDS))
    leitweg_id = fields.String(validate=[validate.Length(max=46), _leitweg])
    email = fields.String(validate=[validate.Length(max=254), _optional_email])
    address = fields.String(validate=validate.Length(max=2000))
    contact = fields.String(validate=validate.Length(max=200))


class PartnerSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="other", validate=validate.OneOf(PARTNER_KINDS))


class ServiceAreaSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Stable key used as `service_area` elsewhere"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    active = fields.Boolean(load_default=True)
    agency_id = fields.Integer(
        validate=ID,
        allow_none=True,
        load_default=None,
        metadata={"description": "Agency usually responsible for this area"},
    )
