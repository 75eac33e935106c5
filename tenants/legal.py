"""The terms of service and the data-processing agreement (AV-Vertrag, Art. 28 GDPR): their versioned texts
(tenants/legal/<document>-<version>.md, never edited once published: a new version is a new file), who accepted
which version for an alliance, and the accepted text as a download."""
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from core import audit
from core.audit import Actor
from core.extensions import db
from core.models import utcnow
from tenants.models import Acceptance, Tenant, User

LEGAL_DIR = Path(__file__).resolve().parent / "legal"
DOCUMENTS = {"terms": _l("Terms of service"), "dpa": _l("Data-processing agreement (Art. 28 GDPR)")}
# the version sign-up asks for; older accepted versions stay readable through their acceptance
CURRENT_VERSIONS = {"terms": "2026-12", "dpa": "2026-12"}


def text(document: str, version: str | None = None) -> str:
    """The text of `document` in `version` (default: the current one)."""
    if document not in DOCUMENTS:
        raise KeyError(document)
    version = version or CURRENT_VERSIONS[document]
    return (LEGAL_DIR / f"{document}-{version}.md").read_text(encoding="utf-8")


def record_acceptances(user: User, actor: Actor, at: datetime | None = None) -> list[Acceptance]:
    """`user` accepts the current version of every document for the current tenant (sign-up); audited."""
    at = at or utcnow()
    rows = []
    for document, version in CURRENT_VERSIONS.items():
        row = Acceptance(document=document, version=version, user_id=user.id, accepted_by=user.email,
                         accepted_at=at)
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "acceptance.create", row, diff={"document": [None, document], "version": [None, version]})
        rows.append(row)
    return rows


def acceptances() -> list[Acceptance]:
    """The current tenant's acceptances, newest first."""
    return list(db.session.scalars(select(Acceptance).order_by(Acceptance.accepted_at.desc(), Acceptance.id.desc())))


def download(row: Acceptance, tenant: Tenant) -> tuple[str, str]:
    """(file name, Markdown) of an accepted text, headed by whom it was accepted for, by whom and when."""
    stamp = row.accepted_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    header = (f"<!-- {DOCUMENTS[row.document]} {row.version} -->\n"
              f"> {_l('Accepted for')}: {tenant.name} ({tenant.slug})  \n"
              f"> {_l('Accepted by')}: {row.accepted_by}  \n"
              f"> {_l('Accepted at')}: {stamp}  \n"
              f"> {_l('Version')}: {row.version}\n\n")
    return f"{tenant.slug}-{row.document}-{row.version}.md", header + text(row.document, row.version)


def as_html(markdown: str) -> Markup:
    """The small Markdown of the legal texts (headings, lists, paragraphs) as escaped HTML."""
    html, paragraph, items = [], [], []

    def close():
        if paragraph:
            html.append(f"<p>{escape(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            html.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped:
            close()
        elif stripped.startswith("#"):
            close()
            level = min(len(stripped) - len(stripped.lstrip("#")) + 1, 4)  # the page has its own h1
            html.append(f"<h{level}>{escape(stripped.lstrip('#').strip())}</h{level}>")
        elif stripped.startswith("- "):
            if paragraph:
                close()
            items.append(stripped[2:])
        elif items and line.startswith("  "):
            items[-1] += " " + stripped  # a list item continued on the next line
        else:
            paragraph.append(stripped)
    close()
    return Markup("\n".join(html))
