"""Reads cost a constant number of SQL statements, whatever the data (no N+1 after the audit write)."""
import pytest
from sqlalchemy import event


@pytest.fixture
def count_statements(app):
    from core.extensions import db

    def count(call) -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            call()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    return count


def _log(client, case_id, h, n):
    for i in range(n):
        r = client.post(f"/api/v1/cases/{case_id}/services", headers=h,
                        json={"on": f"2026-02-{1 + i % 27:02d}", "minutes": 15, "service_area": "childcare"})
        assert r.status_code == 201, r.json


@pytest.mark.parametrize("path", ["/api/v1/cases/{case}/services?limit=50", "/{slug}/cases/{case}"])
def test_a_case_read_costs_the_same_for_3_and_30_entries(client, tenant_a, api_token, make_case, login,
                                                         count_statements, path):
    h = api_token(tenant_a, "case_manager")
    login(client, tenant_a, "case_manager")
    small, large = make_case(tenant_a), make_case(tenant_a)
    _log(client, small["id"], h, 3)
    _log(client, large["id"], h, 30)

    def get(case_id):
        url = path.format(case=case_id, slug=tenant_a.slug)
        return count_statements(lambda: client.get(url, headers=h if url.startswith("/api") else None))

    get(small["id"])  # warm caches (template compilation) before counting
    assert get(large["id"]) == get(small["id"])


@pytest.mark.parametrize("path", ["/api/v1/cases?limit=50", "/api/v1/clients?limit=50", "/{slug}/cases/",
                                  "/{slug}/clients/"])
def test_a_list_costs_the_same_for_2_and_12_rows(client, tenant_a, api_token, make_case, login, count_statements,
                                                 path):
    h = api_token(tenant_a, "admin")
    login(client, tenant_a, "admin")
    url = path.format(slug=tenant_a.slug)

    def get():
        return count_statements(lambda: client.get(url, headers=h if url.startswith("/api") else None))

    for _ in range(2):
        make_case(tenant_a)
    get()  # warm caches
    few = get()
    for _ in range(10):
        make_case(tenant_a)
    assert get() == few
