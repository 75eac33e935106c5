"""Contract documents: real docxtpl in the sandbox, real LibreOffice, and templates uploaded by strangers."""

import io
import zipfile

import docx
import pytest
from pypdf import PdfReader

from contracts import rendering
from contracts.services import DEFAULT_TEMPLATE_PATH
from core import clock
from tests.contracts.conftest import contract_payload


def _docx_with(*paragraphs: str) -> bytes:
    """A real .docx whose body holds the given paragraphs (template tags included)."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _text_of(docx_bytes: bytes) -> str:
    document = docx.Document(io.BytesIO(docx_bytes))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def _make_contract(client, headers, agency_id, **overrides) -> int:
    r = client.post("/api/v1/contracts", json=contract_payload(agency_id, **overrides), headers=headers)
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_default_template_passes_its_own_upload_checks():
    """Does the built-in template use only documented variables and render with the sample context?"""
    rendering.validate_template(DEFAULT_TEMPLATE_PATH.read_bytes())


def test_ampersand_and_angle_bracket_in_partner_name_render_correctly(
    client, tenant_a, api_token, make_agency, app
):
    """Does an '&' or '<' in a partner's or agency's name appear literally in the .docx, not corrupt it?"""
    headers = api_token(tenant_a, "admin")
    agency_id = make_agency(tenant_a, name="Jugendamt <Nord> & Süd")
    from core.audit import Actor
    from core.extensions import db
    from network.services import create_partner

    with app.app_context(), tenant_a.context():
        pid = create_partner({"name": "Kita Sonne & Mond <gGmbH>", "kind": "childcare"}, Actor.system("t")).id
        db.session.commit()
    cid = _make_contract(client, headers, agency_id, partner_ids=[pid])
    with app.app_context(), tenant_a.context():
        from contracts import services
        from tenants.models import Tenant

        contract = services.get_contract(cid)
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        template = services.ensure_default_template(tenant.id)
        data = rendering.render_docx(
            DEFAULT_TEMPLATE_PATH.read_bytes(),
            rendering.contract_context(contract, tenant, clock.today()),
        )
        assert template.builtin
    text = _text_of(data)  # python-docx parses the XML: a raw '&' or '<' would have broken it
    assert "Kita Sonne & Mond <gGmbH> (Kinderbetreuung)" in text
    assert "Jugendamt <Nord> & Süd (Jobcenter)" in text
    assert "Fallmanagement | Pauschale je Fall und Monat | 180,00 € je Fall und Monat" in text


@pytest.mark.parametrize(
    "payload",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ agency.__class__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{% include '/etc/passwd' %}",
        "{% import '/etc/hostname' as h %}",
        "{{ rates.append(1) }}",
        "{{ 'x' * 100000000 }}",
    ],
)
def test_malicious_template_is_refused_on_upload(payload, client, tenant_a, login, app):
    """Is a template that reaches for Python internals, files or huge memory refused on upload?"""
    with pytest.raises(rendering.TemplateProblem):
        rendering.validate_template(_docx_with("Vertrag mit {{ agency.name }}", payload))


def test_endless_or_huge_template_is_stopped(monkeypatch):
    """Is a template that loops (practically) for ever, or asks for a huge range, refused instead of hanging?"""
    monkeypatch.setattr(rendering, "RENDER_TIMEOUT_SECONDS", 3)
    endless = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
    with pytest.raises(rendering.TemplateProblem) as exc:
        rendering.validate_template(_docx_with("{{ agency.name }}", endless))
    assert "too long" in str(exc.value)
    with pytest.raises(rendering.TemplateProblem):
        rendering.validate_template(_docx_with("{{ range(10 ** 7) | list }}"))


def test_malicious_template_renders_harmlessly_if_it_got_in():
    """If such a template were stored anyway, does rendering refuse it or print nothing of Python's
    internals?"""
    for payload in ("{{ ''.__class__.__mro__ }}", "{{ agency.__class__ }}", "{% include '/etc/passwd' %}"):
        try:
            out = rendering.render_docx(_docx_with(payload), rendering.sample_context())
        except rendering.TemplateProblem:
            continue
        text = _text_of(out)
        assert "class" not in text and "root:" not in text


def test_undeclared_variables_are_reported_by_name_on_upload(client, tenant_a, login, no_csrf):
    """Does uploading a template with unknown variables name each of them in the error?"""
    login(client, tenant_a, "admin")
    data = _docx_with("{{ agency.name }} {{ kundennummer }} {% for x in positionen %}{{ x }}{% endfor %}")
    r = client.post(
        f"/{tenant_a.slug}/contract-templates/new",
        data={"name": "Eigene Vorlage", "file": (io.BytesIO(data), "vorlage.docx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "kundennummer" in page and "positionen" in page


def test_unknown_attribute_is_reported_on_upload():
    """Is a typo in an attribute (agency.nmae) caught by the trial rendering?"""
    with pytest.raises(rendering.TemplateProblem) as exc:
        rendering.validate_template(_docx_with("{{ agency.nmae }}"))
    assert "nmae" in str(exc.value)


def test_jinja_syntax_error_is_reported():
    """Is a broken tag reported with its paragraph and what closes it (not the line of the document's XML)?"""
    with pytest.raises(rendering.TemplateProblem) as exc:
        rendering.validate_template(_docx_with("{% if agency.name %}ohne Ende"))
    assert "paragraph 1" in str(exc.value) and "{% endif %}" in str(exc.value)


def test_zip_bomb_is_refused():
    """Is a .docx that unpacks to gigabytes refused before it is inflated?"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 1024 * 1024
    problems = rendering.check_zip(data)
    assert problems and "zip bomb" in problems[0]


def test_not_a_docx_is_refused():
    """Are a plain text file and a ZIP without word/document.xml refused?"""
    assert rendering.check_zip(b"hello")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "x")
    assert rendering.check_zip(buf.getvalue())


def test_template_upload_versions_and_contract_keeps_its_version(
    client, tenant_a, login, no_csrf, app, make_agency
):
    """Does a second upload under the same name become version 2, while a contract drafted from version 1
    is still rendered from version 1?"""
    from contracts import services
    from core.audit import Actor
    from core.extensions import db
    from tenants.models import Tenant

    login(client, tenant_a, "admin")
    url = f"/{tenant_a.slug}/contract-templates/new"
    agency_id = make_agency(tenant_a)

    def upload(text):
        r = client.post(url, data={"name": "Eigene", "file": (io.BytesIO(_docx_with(text)), "v.docx")},
                        content_type="multipart/form-data")
        assert r.status_code == 302, r.get_data(as_text=True)[:2000]

    upload("Erste Fassung für {{ agency.name }}")
    with app.app_context(), tenant_a.context():
        v1 = next(t for t in services.list_templates() if t.name == "Eigene")
        contract = services.create_contract(contract_payload(agency_id, template_id=v1.id, valid_from=None,
                                                             valid_to=None), Actor.system("t"), tenant_a.tenant_id)
        db.session.commit()
        v1_id, contract_id = v1.id, contract.id
    upload("Zweite Fassung für {{ agency.name }}")
    with app.app_context(), tenant_a.context():
        versions = sorted((t.name, t.version) for t in services.list_templates() if t.name == "Eigene")
        assert versions == [("Eigene", 1), ("Eigene", 2)]
        contract = services.get_contract(contract_id)
        doc = services.render_document(contract, db.session.get(Tenant, tenant_a.tenant_id), Actor.system("t"))
        assert doc.template_id == v1_id
        from core import storage

        text = _text_of(storage.read(doc.docx_path, tenant_a.tenant_id))
        assert "Erste Fassung für Jobcenter Musterstadt" in text


def _document(client, headers, contract_id: int, document_id: int) -> dict:
    detail = client.get(f"/api/v1/contracts/{contract_id}", headers=headers).json
    return next(d for d in detail["documents"] if d["id"] == document_id)


@pytest.mark.slow
def test_render_docx_and_pdf_with_libreoffice(client, tenant_a, api_token, make_agency):
    """Does POST …/documents render a .docx and (by the Celery task) a PDF whose text holds the rate table
    and the mandatory sections, both downloadable and with their SHA-256?"""
    import hashlib

    headers = api_token(tenant_a, "admin")
    cid = _make_contract(client, headers, make_agency(tenant_a, name="Jobcenter Musterstadt & Umland"))
    r = client.post(f"/api/v1/contracts/{cid}/documents", headers=headers)
    assert r.status_code == 201, r.json
    assert r.json["pdf_url"] is None  # the PDF task is sent after the commit (API.md: null until ready)
    doc = _document(client, headers, cid, r.json["id"])
    assert doc["docx_url"] and doc["pdf_url"], doc  # eager Celery: ready once the request has committed
    docx_bytes = client.get(doc["docx_url"], headers=headers).data
    assert hashlib.sha256(docx_bytes).hexdigest() == doc["sha256"]
    assert "Jobcenter Musterstadt & Umland" in _text_of(docx_bytes)
    pdf = client.get(doc["pdf_url"], headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    text = " ".join((page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf.data)).pages)
    text = " ".join(text.split())
    for expected in (
        "Inhalt, Umfang und Qualität der Leistung",
        "§ 3 Vergütung",
        "Prüfung der Wirtschaftlichkeit und Qualität",
        "Mitteilungspflichten",
        "Laufzeit und Kündigung",
        "Datenschutz",
        "180,00 € je Fall und Monat",
        "32,50 € je Stunde",
        "Koordination",
        "500,00 € je Abrechnungszeitraum",
        "120.000,00 €",
        "Jobcenter Musterstadt & Umland",
        "01.01.2027",
        "31.12.2027",
    ):
        assert expected in text, expected
    detail = client.get(f"/api/v1/contracts/{cid}", headers=headers).json
    assert [d["id"] for d in detail["documents"]] == [doc["id"]]
    # a second rendering is a new document; the first one is untouched
    second = client.post(f"/api/v1/contracts/{cid}/documents", headers=headers).json
    assert second["id"] != doc["id"] and client.get(doc["docx_url"], headers=headers).data == docx_bytes


@pytest.mark.slow
def test_failed_conversion_is_visible_on_the_document(client, tenant_a, api_token, make_agency, app):
    """When LibreOffice cannot convert, is the document marked failed with a reason and pdf_url null?"""
    headers = api_token(tenant_a, "admin")
    cid = _make_contract(client, headers, make_agency(tenant_a))
    app.config["SOFFICE_BINARY"] = "/nonexistent/soffice"
    try:
        posted = client.post(f"/api/v1/contracts/{cid}/documents", headers=headers).json
        doc = _document(client, headers, cid, posted["id"])
    finally:
        app.config["SOFFICE_BINARY"] = "soffice"
    assert doc["pdf_url"] is None and doc["pdf_status"] == "failed" and "not installed" in doc["pdf_error"]


@pytest.mark.slow
def test_two_conversions_in_parallel_both_produce_pdfs():
    """Do two simultaneous LibreOffice conversions both succeed (each with its own profile)?"""
    from concurrent.futures import ThreadPoolExecutor

    from core.conversion import docx_to_pdf

    data = _docx_with("Erster Vertrag"), _docx_with("Zweiter Vertrag")
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(docx_to_pdf, data))
    texts = [PdfReader(io.BytesIO(r)).pages[0].extract_text() for r in results]
    assert "Erster" in texts[0] and "Zweiter" in texts[1]
