"""Issue 9: the hot reads answer what they did, with fewer statements and nothing after their commit."""
import pytest
from sqlalchemy import event

from tests.cases.conftest import advance


@pytest.fixture
def statements(app):
    """Record the statements (and commits) of a call, in order."""
    from core.extensions import db

    def record(call) -> list[str]:
        seen: list[str] = []
        with app.app_context():
            engine = db.engine

        def on_statement(conn, cursor, statement, *args):
            seen.append(" ".join(statement.split()))

        def on_commit(conn):
            seen.append("COMMIT")

        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "commit", on_commit)
        try:
            call()
        finally:
            event.remove(engine, "before_cursor_execute", on_statement)
            event.remove(engine, "commit", on_commit)
        return seen

    return record


def _log(client, case_id, h, days):
    for day in days:
        r = client.post(f"/api/v1/cases/{case_id}/services", headers=h,
                        json={"on": f"2026-02-{day:02d}", "minutes": 10 + day, "service_area": "childcare",
                              "note": f"Eintrag {day}", "direct": day % 2 == 0})
        assert r.status_code == 201, r.json


def test_the_api_lists_answer_what_the_schemas_dump(app, client, tenant_a, api_token, make_case):
    """The case list and a case's services skip the schema pass: each item is what CaseSchema and
    ServiceEntrySchema dump for the same row, and the cursor pages as before."""
    from sqlalchemy import select

    from cases.models import Case, ServiceEntry
    from cases.schemas import CaseSchema, ServiceEntrySchema
    from core.extensions import db

    h = api_token(tenant_a, "admin")
    first = make_case(tenant_a, next_review_on="2026-06-30", confidential_note="nur für die Akte")
    closed = make_case(tenant_a)
    advance(client, h, closed["id"], "assessment")
    r = client.patch(f"/api/v1/cases/{closed['id']}", headers=h,
                     json={"status": "closed", "outcome": "employment", "esf_exit_status": "employed",
                           "closed_on": "2026-03-31"})
    assert r.status_code == 200, r.json
    make_case(tenant_a)
    _log(client, first["id"], h, (3, 1, 2))

    listed = client.get("/api/v1/cases?limit=50", headers=h).json
    entries = client.get(f"/api/v1/cases/{first['id']}/services", headers=h).json
    with app.app_context(), tenant_a.context():
        cases = db.session.scalars(select(Case).order_by(Case.id)).all()
        for case in cases:
            case.hide_note = True  # lists never carry the note
        expected_cases = CaseSchema(many=True).dump(cases)
        expected_entries = ServiceEntrySchema(many=True).dump(
            db.session.scalars(select(ServiceEntry).where(ServiceEntry.case_id == first["id"])
                               .order_by(ServiceEntry.id)).all())
    assert listed == {"items": expected_cases, "next": None}
    assert {c["status"] for c in listed["items"]} == {"intake", "closed"} and listed["items"][0]["next_review_on"]
    assert all(c["confidential_note"] is None for c in listed["items"])
    assert entries == {"items": expected_entries, "next": None}
    assert [e["minutes"] for e in entries["items"]] == [13, 11, 12] and entries["items"][0]["service_area"]

    pages, cursor = [], None
    while True:
        page = client.get("/api/v1/cases?limit=2" + (f"&cursor={cursor}" if cursor else ""), headers=h).json
        pages.append([c["id"] for c in page["items"]])
        cursor = page["next"]
        if not cursor:
            break
    assert pages == [[c["id"] for c in expected_cases[:2]], [expected_cases[2]["id"]]]
    assert client.get("/api/v1/cases?cursor=bm9wZQ", headers=h).status_code == 422  # still checked


@pytest.mark.parametrize("path", ["/api/v1/cases?limit=50", "/api/v1/cases/{case}/services",
                                  "/{slug}/cases/", "/{slug}/cases/?q=Muster", "/{slug}/cases/{case}"])
def test_a_read_sends_nothing_after_its_commit_and_audits_once(client, tenant_a, api_token, make_case, login,
                                                               statements, path):
    """Once the read's audit event is committed, the request is done with the database: no object is loaded
    again (an expired membership for the log line was one transaction more per request)."""
    h = api_token(tenant_a, "case_manager")
    login(client, tenant_a, "case_manager")
    case = make_case(tenant_a)
    _log(client, case["id"], h, (1, 2))
    url = path.format(case=case["id"], slug=tenant_a.slug)
    headers = h if url.startswith("/api") else None
    client.get(url, headers=headers)  # warm (templates)
    seen = statements(lambda: client.get(url, headers=headers))
    assert "COMMIT" in seen, seen
    assert seen[seen.index("COMMIT") + 1:] == []
    assert sum(s.startswith("INSERT INTO audit_events") for s in seen) == 1


def test_the_api_finds_the_token_and_its_tenant_in_one_statement(client, tenant_a, api_token, statements):
    h = api_token(tenant_a, "admin")
    seen = statements(lambda: client.get("/api/v1/agencies", headers=h))
    assert not any(s.startswith("SELECT tenants") for s in seen), seen
    assert sum(" FROM api_tokens JOIN tenants" in s for s in seen) == 1


def test_a_short_list_is_not_counted(client, tenant_a, make_case, login, statements, monkeypatch):
    """A first page with room left holds every match: no COUNT. A full first page still counts (capped)."""
    from cases import views

    for _ in range(3):
        make_case(tenant_a)
    login(client, tenant_a, "admin")
    url = f"/{tenant_a.slug}/cases/"
    page = []
    seen = statements(lambda: page.append(client.get(url).get_data(as_text=True)))
    assert "3 Fälle" in page[0] and not any("count(*)" in s for s in seen)
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    seen = statements(lambda: page.append(client.get(url).get_data(as_text=True)))
    assert "3 Fälle" in page[1] and sum("count(*)" in s for s in seen) == 1
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    full = client.get(url).get_data(as_text=True)
    assert "3 Fälle" in full and "Seite 1 von 2" in full
    assert "Seite 2 von 2" in client.get(url + "?page=7").get_data(as_text=True)


def test_the_case_list_joins_the_client_once(client, tenant_a, make_case, login, statements):
    make_case(tenant_a)
    login(client, tenant_a, "admin")
    client.get(f"/{tenant_a.slug}/cases/")
    seen = statements(lambda: client.get(f"/{tenant_a.slug}/cases/"))
    listing = [s for s in seen if s.startswith("SELECT") and " FROM cases " in s and "count(" not in s]
    assert len(listing) == 1 and listing[0].count("JOIN clients") == 1, listing
    assert "client_children" not in " ".join(seen)  # the list shows no children


def test_the_tenant_is_set_once_and_no_transaction_inherits_it(app, client, tenant_a, make_agency, login,
                                                                statements, is_postgres):
    """The tenant setting is written once, before the first statement that runs as the tenant (the session's
    user is looked up before: no setting for it); and a new transaction never inherits the last one's tenant
    (row-level security, PostgreSQL)."""
    from sqlalchemy import select, text

    from core.extensions import db
    from core.tenancy.context import tenant_context
    from network.models import Agency

    make_agency(tenant_a)
    login(client, tenant_a, "admin")
    seen = statements(lambda: client.get(f"/{tenant_a.slug}/agencies/"))
    settings = [i for i, s in enumerate(seen) if "set_config" in s]
    assert len(settings) == (1 if is_postgres else 0), seen
    assert seen[0].startswith("SELECT users.")  # the session's user, before any tenant
    if is_postgres:
        assert settings[0] > 0 and seen[settings[0] + 1].startswith("SELECT memberships.")
    with app.app_context():
        with tenant_context(tenant_a.tenant_id):
            assert len(db.session.scalars(select(Agency)).all()) == 1
            db.session.commit()
        raw = db.session.execute(text("SELECT count(*) FROM agencies")).scalar()
        db.session.rollback()
    assert raw == (0 if is_postgres else 1)  # SQLite has no second wall
