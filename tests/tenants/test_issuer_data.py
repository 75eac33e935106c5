"""The alliance's issuer data for invoices: register entry, contact, payment terms, IBAN/BIC checked by schwifty,
and what is still missing before the first invoice (issue 10, item 1)."""
import pytest
from flask_babel import force_locale

from tests.conftest import csrf_from

COMPLETE = {
    "name": "Bündnis Alpha", "legal_name": "Bündnis für Familie Alpha e.V.", "address": "Marktplatz 1\n59065 Hamm",
    "tax_number": "322/5760/1234", "vat_id": "", "register_number": "VR 1234, Amtsgericht Hamm",
    "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "contact_name": "Ines Inhaberin",
    "phone": "+49 2381 123456", "email": "kontakt@alpha.example.org", "payment_days": 30,
}


def _tenant(**changes):
    from tenants.models import Tenant

    return Tenant(slug="alpha", **{**COMPLETE, **changes})


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, {}),
    ({"register_number": "", "bic": ""}, {}),  # both optional
    ({"legal_name": ""}, {}),  # the name stands in for the legal name
    ({"legal_name": "", "name": " "}, {"legal_name": "The legal name of the issuer is missing."}),
    ({"address": "  "}, {"address": "The address is missing."}),
    ({"tax_number": "", "vat_id": "DE123456789"}, {}),  # one of the two is enough
    ({"tax_number": "", "vat_id": ""}, {"tax_number": "Tax number or VAT id is missing."}),
    ({"iban": ""}, {"iban": "The IBAN is missing."}),
    ({"iban": "DE89370400440532013001"}, {"iban": "Not a valid IBAN (check digits)."}),
    ({"iban": "DE8937040044053201300"}, {"iban": "Not a valid IBAN (wrong length for its country)."}),
    ({"bic": "COBA"}, {"bic": "Not a valid BIC (8 or 11 characters: bank, country, place, branch)."}),
    ({"bic": "BNPAFRPPXXX"}, {"bic": "The BIC is of another country (FR) than the IBAN's bank (DE)."}),
    ({"contact_name": ""}, {"contact_name": "The contact person is missing."}),
    ({"phone": ""}, {"phone": "The phone number is missing."}),
    ({"email": ""}, {"email": "The e-mail address is missing."}),
    ({"legal_name": "", "name": "", "address": "", "tax_number": "", "iban": "", "bic": "", "contact_name": "",
      "phone": "", "email": ""},
     {"legal_name": "The legal name of the issuer is missing.", "address": "The address is missing.",
      "tax_number": "Tax number or VAT id is missing.", "iban": "The IBAN is missing.",
      "contact_name": "The contact person is missing.", "phone": "The phone number is missing.",
      "email": "The e-mail address is missing."}),
])
def test_issuer_problems_name_what_is_missing_before_the_first_invoice(app, changes, expected):
    """Does issuer_problems name exactly the missing or wrong fields (register number and BIC optional)?"""
    from tenants.services import issuer_problems

    with app.test_request_context("/"), force_locale("en"):
        assert issuer_problems(_tenant(**changes)) == expected


def test_issuer_problems_are_german_in_the_german_ui(app):
    """Are the messages translated (German is the default of the pages)?"""
    from tenants.services import issuer_problems

    with app.test_request_context("/"):
        problems = issuer_problems(_tenant(tax_number="", iban="DE00123", contact_name=""))
    assert problems == {"tax_number": "Steuernummer oder USt-IdNr. fehlt.",
                        "iban": "Keine gültige IBAN (falsche Länge für ihr Land).",
                        "contact_name": "Die Ansprechperson fehlt."}


@pytest.mark.parametrize(("iban", "ok"), [
    ("DE89370400440532013000", True),
    ("de89 3704 0044 0532 0130 00", True),
    ("DE02120300000000202051", True),
    ("GB82WEST12345698765432", True),
    ("DE03120300000000202051", False),  # check digits
    ("DE00123", False),
    ("XX89370400440532013000", False),
    ("", False),
])
def test_iban_ok_uses_schwifty(app, iban, ok):
    from tenants.services import iban_ok

    with app.test_request_context("/"):
        assert iban_ok(iban) is ok


@pytest.mark.parametrize(("bic", "iban", "ok"), [
    ("COBADEFFXXX", "", True),
    ("COBADEFF", "DE89370400440532013000", True),
    ("cobadeffxxx", "DE89370400440532013000", True),
    ("BYLADEM1001", "DE89370400440532013000", True),  # another German bank: schwifty cannot tell which branch
    ("BNPAFRPPXXX", "DE89370400440532013000", False),  # a French BIC next to a German bank's IBAN
    ("COBAXXFF", "", False),
    ("COBADE", "", False),
])
def test_bic_problem_checks_format_and_country(app, bic, iban, ok):
    from tenants.services import bic_problem

    with app.test_request_context("/"):
        assert (bic_problem(bic, iban) is None) is ok


def test_update_tenant_stores_compact_upper_case_and_refuses_bad_bank_data(app, tenant_a):
    """Are IBAN and BIC stored compact and upper-case, the new fields saved, and wrong values refused per field?"""
    from core.audit import Actor
    from core.problems import ValidationFailed
    from tenants.models import Tenant
    from tenants.services import update_tenant

    actor = Actor.system("test")
    with app.test_request_context("/"), force_locale("en"), tenant_a.context() as session:
        tenant = session.get(Tenant, tenant_a.tenant_id)
        assert (tenant.payment_days, tenant.register_number, tenant.contact_name, tenant.phone) == (30, "", "", "")
        update_tenant(tenant, {"iban": " de89 3704 0044 0532 0130 00 ", "bic": "coba deff xxx",
                               "register_number": " VR 1234, Amtsgericht Hamm ", "contact_name": "Ines Inhaberin",
                               "phone": "+49 2381 123456", "payment_days": "14"}, actor)
        assert (tenant.iban, tenant.bic) == ("DE89370400440532013000", "COBADEFFXXX")
        assert (tenant.register_number, tenant.payment_days) == ("VR 1234, Amtsgericht Hamm", 14)

        for data, field in [({"iban": "DE89370400440532013001"}, "iban"), ({"bic": "COBA"}, "bic"),
                            ({"bic": "BNPAFRPPXXX"}, "bic"),  # against the stored German IBAN
                            ({"payment_days": 121}, "payment_days"), ({"payment_days": -1}, "payment_days"),
                            ({"payment_days": None}, "payment_days"), ({"name": ""}, "name")]:
            with pytest.raises(ValidationFailed) as refused:
                update_tenant(tenant, data, actor)
            assert set(refused.value.errors) == {field}, data
        assert (tenant.iban, tenant.bic, tenant.payment_days) == ("DE89370400440532013000", "COBADEFFXXX", 14)


def test_api_reads_and_patches_the_new_issuer_fields(client, tenant_a, api_token):
    """Does GET/PATCH /api/v1/tenant carry register number, contact, phone and payment days, with 422 per field?"""
    admin = api_token(tenant_a, "admin")
    body = client.get("/api/v1/tenant", headers=admin).json
    assert {"name", "legal_name", "address", "tax_number", "vat_id", "iban", "bic", "email", "register_number",
            "contact_name", "phone", "payment_days"} <= set(body)
    assert body["payment_days"] == 30 and body["register_number"] == ""

    r = client.patch("/api/v1/tenant", headers=admin, json={
        "register_number": "VR 1234, Amtsgericht Hamm", "contact_name": "Ines Inhaberin", "phone": "+49 2381 123456",
        "payment_days": 21, "iban": "DE89 3704 0044 0532 0130 00", "bic": "cobadeffxxx"})
    assert r.status_code == 200, r.json
    assert (r.json["iban"], r.json["bic"], r.json["payment_days"]) == ("DE89370400440532013000", "COBADEFFXXX", 21)
    assert r.json["register_number"] == "VR 1234, Amtsgericht Hamm" and r.json["contact_name"] == "Ines Inhaberin"

    for body, field in [({"bic": "COBA"}, "bic"), ({"bic": "BNPAFRPPXXX"}, "bic"),
                        ({"payment_days": 121}, "payment_days"), ({"payment_days": "30"}, "payment_days"),
                        ({"iban": "DE89370400440532013001"}, "iban"), ({"phone": "1" * 41}, "phone")]:
        bad = client.patch("/api/v1/tenant", headers=admin, json=body)
        assert bad.status_code == 422 and set(bad.json["errors"]) == {field}, (body, bad.json)
    german = client.patch("/api/v1/tenant", headers={**admin, "Accept-Language": "de"}, json={"bic": "COBA"})
    assert german.json["errors"]["bic"] == ["Keine gültige BIC (8 oder 11 Zeichen: Bank, Land, Ort, Filiale)."]
    assert client.get("/api/v1/tenant", headers=admin).json["bic"] == "COBADEFFXXX"


def test_settings_page_shows_missing_issuer_data_and_field_errors(client, tenant_a, login):
    """Does the settings page list what is missing, put a wrong IBAN/BIC on its field and save good data?"""
    login(client, tenant_a, "owner")
    url = f"/{tenant_a.slug}/settings"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert 'id="issuer-problems"' in html and "Steuernummer oder USt-IdNr. fehlt." in html
    for label in ("Registernummer", "Ansprechperson", "Zahlungsziel (Tage)"):
        assert label in html
    assert 'name="payment_days"' in html and 'value="30"' in html

    form = {**COMPLETE, "csrf_token": csrf_from(page.data), "iban": "DE89370400440532013001", "bic": "COBA"}
    html = client.post(url, data=form).get_data(as_text=True)
    assert 'id="iban-error"' in html and "Keine gültige IBAN (Prüfziffern)." in html
    form = {**form, "iban": "DE89 3704 0044 0532 0130 00", "bic": "BNPAFRPPXXX"}
    html = client.post(url, data=form).get_data(as_text=True)
    assert 'id="bic-error"' in html and 'id="iban-error"' not in html
    assert "Die BIC gehört zu einem anderen Land (FR) als die Bank der IBAN (DE)." in html

    response = client.post(url, data={**form, "bic": "COBADEFFXXX", "payment_days": "14"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Gespeichert." in html
    assert 'id="issuer-problems"' not in html and 'value="DE89370400440532013000"' in html and 'value="14"' in html


def test_demo_alliance_has_complete_issuer_data(app, no_pdf):
    """Can the demo alliance issue invoices right away (nothing missing in its issuer data)?"""
    from sqlalchemy import select

    from core.extensions import db
    from tenants.demo import seed_demo
    from tenants.models import Tenant
    from tenants.services import issuer_problems

    with app.test_request_context("/"):
        seed_demo()
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
        assert issuer_problems(tenant) == {}
        assert tenant.register_number.startswith("VR ") and tenant.iban == "DE89370400440532013000"
        assert tenant.bic == "COBADEFFXXX" and tenant.contact_name and tenant.phone and tenant.payment_days == 30
