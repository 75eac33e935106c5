"""What billing answers to the layers below (core.signals): the links it adds to a contract's page, and why an
agency that was invoiced cannot be deleted."""
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from billing.models import Invoice
from contracts.models import Contract
from core import signals
from network.models import Agency
from tenants.roles import can

REFERENCES = {Agency: [(Invoice.agency_id, _l("Invoices to this agency exist."))]}


def referenced_by_invoices(row, **_kwargs) -> str | None:
    return signals.still_referenced(REFERENCES, row)


def contract_links(row, *, role, **_kwargs) -> list | None:
    """A contract's page links to its efficiency review report and its invoices (the pages live here, one layer
    up)."""
    if not isinstance(row, Contract) or not can(role, "contracts.read"):
        return None
    links = [signals.PageLink(_("Review of economic efficiency and quality"), _("Efficiency review report"),
                              url_for("billing.efficiency", contract_id=row.id))]
    if can(role, "invoices.read"):
        links.append(signals.PageLink(_("Invoicing"), _("Invoices of this agreement"),
                                      url_for("billing.invoices", contract_id=row.id)))
    return links


def connect_signals() -> None:
    signals.page_links.connect(contract_links, weak=False)
    signals.deletion_refused.connect(referenced_by_invoices, weak=False)
