from contracts import services
from network import services as network
from tests.isolation.targets import ACTOR, MARKER, target
from tests.isolation.targets_network import agency


def _contract(fx):
    agency_id = agency(fx) if not network.list_agencies() else network.list_agencies()[0].id
    return services.create_contract(
        {
            "agency_id": agency_id,
            "title": f"{MARKER} Vertrag",
            "scope": MARKER,
            "rates": [{"kind": "per_period", "amount_cents": 100}],
        },
        ACTOR,
        fx.tenant_id,
    )


@target("contract_id")
def contract(fx):
    return _contract(fx).id


@target("template_id")
def template(fx):
    return services.ensure_default_template(fx.tenant_id).id


@target("document_id")
def document(fx):
    """A rendered document (its PDF is not converted here: the files must still exist for the probe to ask for)."""
    from core.extensions import db
    from tenants.models import Tenant

    existing = services.list_contracts()  # the contract_id target's contract: both ids then belong together
    c = existing[0] if existing else _contract(fx)
    doc = services.render_document(c, db.session.get(Tenant, fx.tenant_id), ACTOR)
    # give it a PDF path too, so the PDF download route is probed against an existing file
    from core import storage

    stored = storage.store(fx.tenant_id, "contracts", b"%PDF-1.4 " + MARKER.encode(), "pdf")
    doc.pdf_path, doc.pdf_sha256, doc.pdf_status = stored.path, stored.sha256, "done"
    return doc.id


@target("enrolment_id")
def enrolment(fx):
    """A funding approval of the case_id target's case (a row as the database holds it: the probe needs its id,
    not the lifecycle that leads to it)."""
    from datetime import date

    from contracts.models import Enrolment
    from core.extensions import db
    from tests.isolation.targets_cases import _case

    existing = services.list_contracts()
    row = Enrolment(case_id=_case().id, contract_id=(existing[0] if existing else _contract(fx)).id,
                    from_on=date(2026, 2, 1), to_on=date(2026, 6, 30), note=MARKER)
    db.session.add(row)
    db.session.flush()
    return row.id
