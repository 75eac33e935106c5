"""Marshmallow schemas of the billing API (API.md `/billing/…`, `/invoices…`): input validation and OpenAPI."""
from marshmallow import Schema, fields, validate

from billing.models import INVOICE_KINDS, INVOICE_STATUSES, RUN_STATUSES, UNBILLED_REASONS
from core.api import ID, MAX_LIMIT

PERIOD = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$",
                                                                error="A month (2026-10) or a quarter (2026-Q3)."),
                       metadata={"example": "2026-10"})


class PeriodSchema(Schema):
    period = PERIOD


class LineSchema(Schema):
    position = fields.Integer()
    kind = fields.String(metadata={"description": "per_case_month | per_unit | per_period | budget_cut"})
    label = fields.String()
    service_area = fields.String(attribute="service_area_code", allow_none=True)
    quantity = fields.Decimal(as_string=True, places=4)
    unit_cents = fields.Integer()
    amount_cents = fields.Integer()


class UnbilledSchema(Schema):
    entry_id = fields.Integer()
    case_id = fields.Integer()
    reason = fields.String(validate=validate.OneOf(UNBILLED_REASONS))
    on = fields.String()
    service_area_id = fields.Integer()
    minutes = fields.Integer()
    contract_ids = fields.List(fields.Integer())


class PlannedInvoiceSchema(Schema):
    agency_id = fields.Integer()
    contract_id = fields.Integer()
    net_cents = fields.Integer()
    tax_cents = fields.Integer()
    gross_cents = fields.Integer()
    budget_cut_cents = fields.Integer()
    lines = fields.List(fields.Nested(LineSchema))


class RunSchema(Schema):
    id = fields.Integer(allow_none=True)
    period = fields.String()
    status = fields.String(metadata={"description": " | ".join((*RUN_STATUSES, "preview"))})
    progress = fields.Integer(metadata={"description": "per cent of the contracts billed"})
    invoice_ids = fields.List(fields.Integer())
    unbilled_entries = fields.List(fields.Nested(UnbilledSchema))
    created_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    error = fields.String()


class PreviewSchema(RunSchema):
    invoices = fields.List(fields.Nested(PlannedInvoiceSchema))


class RunStartedSchema(Schema):
    id = fields.Integer()
    status = fields.String()


class RunListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(load_default=None, validate=validate.Length(max=40))


class InvoiceListArgs(RunListArgs):
    agency_id = fields.Integer(validate=ID)
    contract_id = fields.Integer(validate=ID)
    period = fields.String(validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$"))
    status = fields.String(validate=validate.OneOf(INVOICE_STATUSES))
    kind = fields.String(validate=validate.OneOf(INVOICE_KINDS))


class PaymentSchema(Schema):
    id = fields.Integer(dump_only=True)
    on = fields.Date(required=True)
    amount_cents = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10**12))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class CreditNoteSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class InvoiceSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    number = fields.String(allow_none=True)
    agency_id = fields.Integer()
    contract_id = fields.Integer()
    period = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    status = fields.String(metadata={"description": " | ".join(INVOICE_STATUSES)})
    issued_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    net_cents = fields.Integer()
    tax_cents = fields.Integer()
    gross_cents = fields.Integer()
    budget_cut_cents = fields.Integer()
    paid_cents = fields.Integer()
    open_cents = fields.Integer()
    vat = fields.String()
    vat_exempt_reason = fields.String()
    cancels_id = fields.Integer(allow_none=True)
    cancelled_by_id = fields.Integer(allow_none=True)
    dunning_level = fields.Integer()
    run_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(LineSchema))


class InvoiceDetailSchema(InvoiceSchema):
    payments = fields.List(fields.Nested(PaymentSchema))
    files = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True),
                        metadata={"description": "download URL per file (null while it is being made)"})


class SentSchema(Schema):
    sent_at = fields.DateTime()
    to = fields.String()


class StatementArgs(Schema):
    format = fields.String(load_default="csv", validate=validate.OneOf(("csv", "pdf")))
