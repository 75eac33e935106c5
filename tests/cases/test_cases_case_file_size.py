"""Issue 9: the case file stays small however long the log: the latest 50 entries, totals from SQL, pages."""


def test_a_long_service_log_is_paged_with_totals_from_sql(app, client, tenant_a, make_case, login):
    from datetime import date, timedelta

    from sqlalchemy import select

    from cases.models import ServiceEntry
    from core.extensions import db
    from network.models import ServiceArea

    case = make_case(tenant_a)
    with app.app_context(), tenant_a.context():
        area = db.session.scalar(select(ServiceArea.id).where(ServiceArea.code == "childcare"))
        for i in range(120):
            db.session.add(ServiceEntry(case_id=case["id"], on=date(2026, 1, 10) + timedelta(days=i % 60),
                                        minutes=15, service_area_id=area, note=f"Eintrag-{i:03d}"))
        db.session.commit()
    login(client, tenant_a, "case_manager")
    url = f"/{tenant_a.slug}/cases/{case['id']}"
    first = client.get(url).get_data(as_text=True)
    assert first.count("Eintrag-") == 50
    assert "30,0" in first  # 120 × 15 minutes = 30 hours, summed in SQL, not from the page shown
    assert "Seite 1 von 3 (120 Einträge)" in first and "entries_page=2" in first
    last = client.get(f"{url}?entries_page=3").get_data(as_text=True)
    assert last.count("Eintrag-") == 20 and "entries_page=2" in last
    assert client.get(f"{url}?entries_page=99999999999").status_code == 200  # clamped, never an overflow


def test_lists_count_only_up_to_the_cap(client, tenant_a, make_case, login, monkeypatch):
    """A list counts its matches only up to COUNT_CAP: beyond it, it says "more than" and the pages stop."""
    from cases import views

    monkeypatch.setattr(views, "COUNT_CAP", 3)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for _ in range(5):
        make_case(tenant_a)
    login(client, tenant_a, "admin")
    page = client.get(f"/{tenant_a.slug}/cases/").get_data(as_text=True)
    assert "Mehr als 3 Fälle" in page and "Seite 1 von 2" in page
    assert "Seite 2 von 2" in client.get(f"/{tenant_a.slug}/cases/?page=9").get_data(as_text=True)
    clients = client.get(f"/{tenant_a.slug}/clients/").get_data(as_text=True)
    assert "Mehr als 3 Klientinnen und Klienten" in clients
