"""What billing answers to the layers below (core.signals): the links it adds to a contract's page."""
from flask import url_for
from flask_babel import gettext as _

from contracts.models import Contract
from core import signals
from tenants.roles import can


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
