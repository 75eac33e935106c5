from marshmallow import Schema, fields, post_dump, validate

from contracts.lifecycle import END_REASONS
from contracts.models import (
    BILLING_CYCLES,
    LEGAL_BASES,
    RATE_KINDS,
    ROUTES,
    STATUSES,
    VAT_MODES,
)
from core.api import ID

MONEY = validate.Range(min=0, max=10**12)  # cents: up to ten billion euros, inside a BIGINT
TEXT = validate.Length(max=20_000)


class RateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(RATE_KINDS))
    service_area = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=40),
        metadata={"description": "code of a service area (required for per_unit)"},
    )
    amount_cents = fields.Integer(required=True, strict=True, validate=MONEY)
    label = fields.String(load_default="", validate=validate.Length(max=200))


class DocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "rendered | signed"})
    sha256 = fields.String()
    docx_url = fields.Method("_docx_url", allow_none=True)
    pdf_url = fields.Method(
        "_pdf_url", allow_none=True, metadata={"description": "null until the PDF is ready"}
    )
    pdf_status = fields.String(metadata={"description": "pending | done | failed"})
    pdf_error = fields.String()
    template_id = fields.Integer(validate=ID, allow_none=True)
    signed_by_provider_on = fields.Date(allow_none=True)
    signed_by_agency_on = fields.Date(allow_none=True)
    created_at = fields.DateTime()

    def _docx_url(self, doc):
        return _document_url(doc, "docx") if doc.docx_path else None

    def _pdf_url(self, doc):
        return _document_url(doc, "pdf") if doc.pdf_path and doc.pdf_status == "done" else None


def _document_url(doc, fmt: str) -> str:
    from flask import url_for

    return url_for(f"api_contracts.download_document_{fmt}", contract_id=doc.contract_id, document_id=doc.id)


class StepSchema(Schema):
    from_status = fields.String()
    to_status = fields.String()
    on = fields.Date(attribute="effective_on")
    by_user_id = fields.Integer(validate=ID, allow_none=True)
    by_label = fields.String()
    at = fields.DateTime()


class ContractSchema(Schema):
    id = fields.Integer(dump_only=True)
    agency_id = fields.Integer(required=True, validate=ID)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    legal_basis = fields.String(load_default="sgb2_16a", validate=validate.OneOf(LEGAL_BASES))
    route = fields.String(load_default="agreement", validate=validate.OneOf(ROUTES))
    scope = fields.String(load_default="", validate=TEXT)
    quality = fields.String(load_default="", validate=TEXT)
    efficiency_review = fields.String(load_default="", validate=TEXT)
    efficiency_indicators = fields.String(load_default="", validate=TEXT)
    review_interval_months = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=1, max=60)
    )
    next_review_on = fields.Date(allow_none=True, load_default=None)
    notification_duties = fields.String(load_default="", validate=TEXT)
    termination = fields.String(load_default="", validate=TEXT)
    notice_period_months = fields.Integer(
        allow_none=True, load_default=None, validate=validate.Range(min=0, max=60)
    )
    valid_from = fields.Date(allow_none=True, load_default=None)
    valid_to = fields.Date(allow_none=True, load_default=None)
    billing_cycle = fields.String(load_default="monthly", validate=validate.OneOf(BILLING_CYCLES))
    prorate_days = fields.Boolean(load_default=False)
    budget_cents = fields.Integer(allow_none=True, load_default=None, strict=True, validate=MONEY)
    vat = fields.String(load_default="exempt", validate=validate.OneOf(VAT_MODES))
    vat_exempt_reason = fields.String(load_default="", validate=validate.Length(max=300))
    template_id = fields.Integer(allow_none=True, load_default=None, validate=ID)
    partner_ids = fields.List(fields.Integer(validate=ID), load_default=list)
    rates = fields.List(fields.Nested(RateSchema), load_default=list)
    status = fields.String(dump_only=True)
    end_reason = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)
    amends_id = fields.Integer(dump_only=True, allow_none=True)
    drafted_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)

    @post_dump(pass_original=True)
    def _partners(self, data, original, **kwargs):
        data["partner_ids"] = [cp.partner_id for cp in original.partners]
        return data


class ContractPatchSchema(ContractSchema):
    """Every field optional; rates/partner_ids replace the whole list when given."""

    agency_id = fields.Integer(validate=ID)
    title = fields.String(validate=validate.Length(min=1, max=200))
    legal_basis = fields.String(validate=validate.OneOf(LEGAL_BASES))
    route = fields.String(validate=validate.OneOf(ROUTES))
    scope = fields.String(validate=TEXT)
    quality = fields.String(validate=TEXT)
    efficiency_review = fields.String(validate=TEXT)
    efficiency_indicators = fields.String(validate=TEXT)
    review_interval_months = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=60))
    next_review_on = fields.Date(allow_none=True)
    notification_duties = fields.String(validate=TEXT)
    termination = fields.String(validate=TEXT)
    notice_period_months = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=60))
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    billing_cycle = fields.String(validate=validate.OneOf(BILLING_CYCLES))
    prorate_days = fields.Boolean()
    budget_cents = fields.Integer(allow_none=True, strict=True, validate=MONEY)
    vat = fields.String(validate=validate.OneOf(VAT_MODES))
    vat_exempt_reason = fields.String(validate=validate.Length(max=300))
    template_id = fields.Integer(allow_none=True, validate=ID)
    partner_ids = fields.List(fields.Integer(validate=ID))
    rates = fields.List(fields.Nested(RateSchema))


class ContractDetailSchema(ContractSchema):
    documents = fields.List(fields.Nested(DocumentSchema), dump_only=True)
    steps = fields.List(fields.Nested(StepSchema), dump_only=True)
    missing = fields.Method(
        "_missing",
        dump_only=True,
        metadata={"description": "what the agreement still lacks before it can be sent"},
    )

    def _missing(self, contract):
        from contracts.lifecycle import completeness_gaps

        gaps = completeness_gaps(contract)
        return [{"key": g.key, "field": g.field, "message": str(g.message)} for g in gaps]


class ContractListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = fields.String(load_default=None, validate=validate.Length(max=40))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    agency_id = fields.Integer(load_default=None, validate=ID)


class TransitionSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf(STATUSES))
    on = fields.Date(load_default=None)
    end_reason = fields.String(load_default=None, validate=validate.OneOf(END_REASONS))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class UndoStepSchema(Schema):
    """Undo the last step taken by mistake ("sent" or "signed" while nothing is signed)."""
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class TransitionResultSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    end_reason = fields.String()
    steps = fields.List(fields.Nested(StepSchema))


HOURS = fields.Float(validate=validate.Range(min=0, min_inclusive=False, max=10_000))


class EnrolmentSchema(Schema):
    """A funding approval (Kostenzusage): the case is enrolled under a contract for a date range; one ended early
    says since when (`ended_on`, the last day funded) and why."""

    id = fields.Integer(dump_only=True)
    case_id = fields.Integer(dump_only=True)
    contract_id = fields.Integer(validate=ID, required=True)
    from_on = fields.Date(required=True)
    to_on = fields.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    approved_hours = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)), values=HOURS, load_default=None,
        metadata={"description": "Optional approved hours per service area code, e.g. {\"childcare\": 40}; "
                                 "each needs its service area"},
    )
    ended_on = fields.Date(dump_only=True, allow_none=True,
                           metadata={"description": "Ended early: the last day funded (null: runs to to_on)"})
    end_reason = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class EnrolmentPatchSchema(Schema):
    """A change of an approval: its period, note or approved hours (the given hours replace all; {} for none)."""

    from_on = fields.Date()
    to_on = fields.Date()
    note = fields.String(validate=validate.Length(max=2000))
    approved_hours = fields.Dict(keys=fields.String(validate=validate.Length(max=40)), values=HOURS)


class EnrolmentEndSchema(Schema):
    """Ending an approval early: the last day funded (before its planned end) and why."""

    ended_on = fields.Date(required=True)
    end_reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
