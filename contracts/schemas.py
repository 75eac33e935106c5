from marshmallow import Schema, fields, validate

from contracts.models import AGENCY_KINDS


class AgencySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="other", validate=validate.OneOf(AGENCY_KINDS))
    leitweg_id = fields.String(load_default="", validate=validate.Length(max=46))
    email = fields.String(load_default="", validate=validate.Length(max=254))
    address = fields.String(load_default="", validate=validate.Length(max=2000))
    contact = fields.String(load_default="", validate=validate.Length(max=200))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class AgencyPatchSchema(AgencySchema):
    class Meta:
        exclude = ()

    name = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(AGENCY_KINDS))
    leitweg_id = fields.String(validate=validate.Length(max=46))
    email = fields.String(validate=validate.Length(max=254))
    address = fields.String(validate=validate.Length(max=2000))
    contact = fields.String(validate=validate.Length(max=200))
