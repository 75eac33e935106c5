"""One search on every list (issue 14, item 6; core.search): umlauts and ß folded ("krueger" and "kruger" find
Krüger, "strasse" finds Straße), `%` and `_` literal, on the pages of clients, cases, contracts, agencies,
partners, members, the audit log, invoices and the platform admin's alliances."""
from datetime import date

import pytest

from core.audit import Actor

ACTOR = Actor(user_id=None, role="owner", label="test")
# what each list holds: the name of a row contains its marker
MARKERS = {"kr": "Krüger", "str": "Straße", "pct": "Rabatt 100%", "und": "Team a_b", "x": "Team axb"}
# a search and the rows it finds
EXPECTED = [
    ("krueger", {"kr"}), ("kruger", {"kr"}), ("KRÜGER", {"kr"}), ("strasse", {"str"}), ("Straße", {"str"}),
    ("%", {"pct"}), ("_", {"und"}), ("a_b", {"und"}), ("team", {"und", "x"}),
]


def _check(client, url: str, names: dict[str, str]) -> None:
    """Each search of EXPECTED on the list at `url` shows exactly the rows it should (by their names)."""
    for query, keys in EXPECTED:
        response = client.get(url, query_string={"q": query})
        assert response.status_code == 200, (url, query, response.status_code)
        html = response.get_data(as_text=True)
        found = {key for key, name in names.items() if name in html}
        assert found == keys, (url, query, found)


# --- folding -----------------------------------------------------------------------------------------------------


def test_folds_in_python():
    from core.search import fold, fold_variants, like_escape

    assert fold_variants("Krüger") == ["kruger", "krueger"]
    assert fold_variants("STRASSE") == fold_variants("Straße") == ["strasse"]
    assert fold("Ærø Café Łódź") == "r cafe odz"  # letters without a decomposition go (as they always did)
    assert fold("Nguyễn") == "nguyen" and fold("Zoë") == "zoe"
    assert like_escape("100%_a\\b") == "100\\%\\_a\\\\b"


@pytest.mark.parametrize("text", ["Krüger", "KRÜGER", "Straße", "Ærø", "Nguyễn", "O’Brien", "Ĳssel", "u\u0308ber",
                                  "50% a_b", "Иван Müller"])
def test_folds_in_sql_as_in_python(app, text):
    """Does the database (PostgreSQL's translate, SQLite's registered function) fold a text exactly as Python?"""
    from sqlalchemy import String, literal, select

    from core.extensions import db
    from core.search import fold, folded

    with app.app_context():
        for spelled in (False, True):
            assert db.session.scalar(select(folded(literal(text, String()), spelled))) == fold(text, spelled)


# --- the lists ---------------------------------------------------------------------------------------------------


def test_clients_and_cases(app, client, tenant_a, login):
    from cases import services

    with app.app_context(), tenant_a.context():
        from sqlalchemy import select

        from core.extensions import db
        from tenants.models import Membership

        manager = db.session.scalar(select(Membership.user_id).where(Membership.role == "case_manager"))
        for name in MARKERS.values():
            person = services.create_client({"first_name": "Eva", "last_name": name, "birth_year": 1990}, ACTOR)
            services.create_case({"client_id": person.id, "case_manager_id": manager}, ACTOR)
        db.session.commit()
    login(client, tenant_a, "owner")
    names = {key: f"Eva {name}" for key, name in MARKERS.items()}
    _check(client, f"/{tenant_a.slug}/clients/", names)
    _check(client, f"/{tenant_a.slug}/cases/", names)


def test_contracts_agencies_and_partners(app, client, tenant_a, login):
    from contracts import services as contracts
    from core.extensions import db
    from network import services as network
    from tests.contracts.conftest import contract_payload

    with app.app_context(), tenant_a.context():
        neutral = network.create_agency({"name": "Jobcenter Musterstadt", "kind": "jobcenter"}, ACTOR)
        for name in MARKERS.values():
            network.create_agency({"name": f"Amt {name}", "kind": "other"}, ACTOR)
            network.create_partner({"name": f"Träger {name}", "kind": "other"}, ACTOR)
            contracts.create_contract(contract_payload(neutral.id, title=f"Vertrag {name}"), ACTOR, tenant_a.tenant_id)
        db.session.commit()
    login(client, tenant_a, "owner")
    _check(client, f"/{tenant_a.slug}/contracts/", {key: f"Vertrag {name}" for key, name in MARKERS.items()})
    _check(client, f"/{tenant_a.slug}/agencies/", {key: f"Amt {name}" for key, name in MARKERS.items()})
    _check(client, f"/{tenant_a.slug}/partners/", {key: f"Träger {name}" for key, name in MARKERS.items()})
    # a contract is found by its agency's name too
    html = client.get(f"/{tenant_a.slug}/contracts/", query_string={"q": "musterstadt"}).get_data(as_text=True)
    assert all(f"Vertrag {name}" in html for name in MARKERS.values())


def test_members_and_the_audit_log(app, client, tenant_a, login):
    from core import audit
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants import services
    from tenants.models import Tenant

    with app.app_context():
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        users = {}
        with tenant_context(tenant.id):
            for key, name in MARKERS.items():
                user = services.create_user(f"member-{key}@alpha.example.org", "x" * 12, f"Mitglied {name}")
                services.add_member(tenant, user, "viewer", Actor.system("test"))
                users[key] = user.id
                audit.record(Actor(user_id=None, label=f"Extern {name}"), "test.search", object_type="tests")
            # an event of a member, labelled by e-mail, is found by the member's name
            audit.record(Actor(user_id=users["kr"], label="member-kr@alpha.example.org"), "test.by_member",
                         object_type="tests")
            db.session.commit()
    login(client, tenant_a, "owner")
    _check(client, f"/{tenant_a.slug}/members", {key: f"Mitglied {name}" for key, name in MARKERS.items()})
    _check(client, f"/{tenant_a.slug}/audit", {key: f"Extern {name}" for key, name in MARKERS.items()})
    html = client.get(f"/{tenant_a.slug}/audit", query_string={"q": "krueger"}).get_data(as_text=True)
    assert "member-kr@alpha.example.org" in html
    # the action filter is literal too: "test_search" is not "test.search"
    html = client.get(f"/{tenant_a.slug}/audit", query_string={"action": "test_search"}).get_data(as_text=True)
    assert "Extern Krüger" not in html
    assert "Extern Krüger" in client.get(f"/{tenant_a.slug}/audit", query_string={"action": "test.search"}).get_data(
        as_text=True)


def test_invoices(app, client, tenant_a, login):
    """Invoices are found by their agency's name (and their number); the numbers tell the rows apart, since the
    filter's list of agencies names them all."""
    from billing.models import Invoice
    from core.extensions import db
    from network import services as network
    from tests.billing.conftest import _contract

    numbers = {}
    with app.app_context(), tenant_a.context():
        contract = _contract(tenant_a, network.create_agency({"name": "Jobcenter", "kind": "jobcenter"}, ACTOR).id)
        for n, (key, name) in enumerate(MARKERS.items(), start=1):
            agency = network.create_agency({"name": f"Amt {name}", "kind": "other"}, ACTOR)
            numbers[key] = f"2026-{9000 + n}"
            db.session.add(Invoice(kind="invoice", number=numbers[key], agency_id=agency.id, contract_id=contract.id,
                                   period="2026-10", period_start=date(2026, 10, 1), period_end=date(2026, 10, 31),
                                   state="issued", issued_on=date(2026, 11, 2), due_on=date(2026, 12, 2)))
        db.session.commit()
    login(client, tenant_a, "finance")
    _check(client, f"/{tenant_a.slug}/invoices", {key: f">{number}<" for key, number in numbers.items()})
    html = client.get(f"/{tenant_a.slug}/invoices", query_string={"q": "9003"}).get_data(as_text=True)
    assert ">2026-9003<" in html and ">2026-9001<" not in html


def test_the_admin_consoles_alliances(app, make_tenant):
    from tests.tenants.admin_fixtures import log_in_admin

    for key, name in MARKERS.items():
        make_tenant(f"search-{key.replace('_', '')}", f"Bündnis {name}")
    from core.extensions import db
    from tenants import services
    from tests.conftest import PASSWORD
    from tests.tenants.admin_fixtures import ADMIN_EMAIL

    with app.app_context():
        services.create_user(ADMIN_EMAIL, PASSWORD, "Platform Root", platform_admin=True)
        db.session.commit()
    admin = log_in_admin(app.test_client())
    _check(admin, "/admin/", {key: f"Bündnis {name}" for key, name in MARKERS.items()})
