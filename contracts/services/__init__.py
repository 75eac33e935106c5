"""Contract verbs: templates, terms, the lifecycle in steps, documents, reminders, funding approvals.

They validate (422 with field errors), refuse illegal steps (409) and audit every change; they flush and never
commit. One module per section; this package re-exports them so that callers write `services.transition(...)`.
"""

from contracts.services.documents import (
    MAX_SIGNED_PDF_BYTES,
    convert_pdf,
    document_file,
    get_document,
    render_document,
    upload_signed_copy,
)
from contracts.services.enrolments import (
    ENROLLABLE,
    approved_hours_use,
    end_enrolment,
    enrol_case,
    enrolments_of_case,
    enrolments_of_contract,
    funded,
    get_enrolment,
    hours_key,
    update_enrolment,
)
from contracts.services.reminders import REMINDER_DAYS, due_reminders, send_reminders
from contracts.services.steps import (
    completeness,
    create_amendment,
    terms_diff,
    transition,
    undo_step,
    undoable_step,
    versions_of,
)
from contracts.services.templates import (
    DEFAULT_TEMPLATE_NAME,
    DEFAULT_TEMPLATE_PATH,
    ensure_default_template,
    get_template,
    latest_templates,
    list_templates,
    upload_template,
)
from contracts.services.terms import (
    MAX_CENTS,
    TERM_FIELDS,
    create_contract,
    delete_draft,
    get_contract,
    list_contracts,
    term_authors,
    update_contract,
)

__all__ = [
    "DEFAULT_TEMPLATE_NAME", "DEFAULT_TEMPLATE_PATH", "ENROLLABLE", "MAX_CENTS", "MAX_SIGNED_PDF_BYTES",
    "REMINDER_DAYS", "TERM_FIELDS",
    "approved_hours_use", "completeness", "convert_pdf", "create_amendment", "create_contract", "delete_draft",
    "document_file",
    "due_reminders", "end_enrolment", "enrol_case", "enrolments_of_case", "enrolments_of_contract",
    "ensure_default_template",
    "funded", "get_contract", "get_document", "get_enrolment", "get_template", "latest_templates", "list_contracts",
    "hours_key", "list_templates", "render_document", "send_reminders", "term_authors", "terms_diff", "transition",
    "undo_step", "undoable_step", "update_contract", "update_enrolment", "upload_signed_copy", "upload_template",
    "versions_of",
]
