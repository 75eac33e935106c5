"""Contract templates (.docx, docxtpl): uploads, versions, the default template."""

from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from contracts import rendering
from contracts.models import (
    ContractTemplate,
)
from core import audit, storage
from core import validation as v
from core.audit import Actor
from core.extensions import db
from core.problems import ValidationFailed

DEFAULT_TEMPLATE_PATH = Path(__file__).parent.parent / "templates_docx" / "default_de.docx"
DEFAULT_TEMPLATE_NAME = "Standardvorlage (Deutsch)"


def ensure_default_template(tenant_id: int) -> ContractTemplate:
    """The tenant's copy of the built-in template in its current version (stored once per version)."""
    data = DEFAULT_TEMPLATE_PATH.read_bytes()
    digest = storage.sha256_of(data)
    row = db.session.scalar(
        select(ContractTemplate).where(ContractTemplate.builtin.is_(True), ContractTemplate.sha256 == digest)
    )
    if row is not None:
        return row
    return _add_template(tenant_id, DEFAULT_TEMPLATE_NAME, data, builtin=True, note="", uploaded_by_id=None)


def _add_template(
    tenant_id: int, name: str, data: bytes, builtin: bool, note: str, uploaded_by_id: int | None
) -> ContractTemplate:
    latest = db.session.scalar(
        select(func.max(ContractTemplate.version)).where(ContractTemplate.name == name)
    )
    stored = storage.store(tenant_id, "templates", data, "docx")
    row = ContractTemplate(
        name=name,
        version=(latest or 0) + 1,
        builtin=builtin,
        storage_path=stored.path,
        sha256=stored.sha256,
        size=stored.size,
        note=note,
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def upload_template(tenant_id: int, name: str, data: bytes, actor: Actor, note: str = "") -> ContractTemplate:
    """Validate and store a tenant's template; the same name again becomes its next version."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_l("The template needs a name."), {"name": [_l("Required.")]})
    if len(name) > 120:
        raise ValidationFailed(_l("The name is too long."), {"name": [_l("At most 120 characters.")]})
    if name == DEFAULT_TEMPLATE_NAME:
        raise ValidationFailed(
            _l("This name is reserved."), {"name": [_l("Reserved for the built-in template.")]}
        )
    try:
        rendering.validate_template(data)
    except rendering.TemplateProblem as exc:
        raise ValidationFailed(_l("The template cannot be used."), {"file": exc.errors}) from exc
    row = _add_template(
        tenant_id, name, data, builtin=False, note=(note or "").strip(), uploaded_by_id=actor.user_id
    )
    audit.record(
        actor,
        "contract_template.upload",
        row,
        diff={"name": [None, name], "version": [None, row.version], "sha256": [None, row.sha256]},
    )
    return row


def get_template(template_id: int) -> ContractTemplate:
    return v.get_or_404(ContractTemplate, template_id, message=_l("No such template in this alliance."))


def list_templates():
    return db.session.scalars(
        select(ContractTemplate).order_by(ContractTemplate.name, ContractTemplate.version.desc())
    ).all()


def latest_templates() -> list[ContractTemplate]:
    """The newest version of each template name (what a new contract can choose)."""
    latest: dict[str, ContractTemplate] = {}
    for row in list_templates():
        latest.setdefault(row.name, row)
    return list(latest.values())
