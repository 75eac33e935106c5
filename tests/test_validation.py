"""Validation that helps (issue 14): every error in one round at its field and in the summary, messages that say
what is wrong and how to fix it, and text limits that match the database on the pages and in the API."""
import importlib
import inspect
import re
from pathlib import Path

import pytest
import wtforms
from marshmallow import Schema
from marshmallow import fields as mfields
from marshmallow import validate as mvalidate
from sqlalchemy import String, Text
from wtforms.fields.core import UnboundField

from tests.conftest import berlin_today
from tests.contracts.test_pages import _draft_form

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "tenants", "network", "cases", "contracts", "billing")
TEXT_LIMIT = 20_000  # the longest free text a form or the API takes (a contract's clauses), for Text columns


def _modules(patterns):
    for package in PACKAGES:
        for pattern in patterns:
            for path in sorted((ROOT / package).glob(pattern)):
                yield importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))


def _form_classes():
    out = []
    for module in _modules(("forms.py", "*_forms.py")):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, wtforms.Form) and cls.__module__ == module.__name__:
                out.append(cls)
    return out


def _input_schemas():
    """The schemas the API reads (`@bp.arguments(...)`), with the schemas nested in them."""
    names = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            names |= set(re.findall(r"\.arguments\(\s*(\w+)", path.read_text()))
    classes = {}
    for module in [*_modules(("schemas.py",)), importlib.import_module("core.api")]:
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and name in names:
                classes[name] = cls
    todo = list(classes.values())
    while todo:
        for field in todo.pop()._declared_fields.values():
            inner = field.inner if isinstance(field, mfields.List) else field
            if isinstance(inner, mfields.Nested) and isinstance(inner.nested, type):
                if inner.nested.__name__ not in classes:
                    classes[inner.nested.__name__] = inner.nested
                    todo.append(inner.nested)
    return list(classes.values())


def _models():
    from cases import models as cases
    from contracts import models as contracts
    from network import models as network
    from tenants import models as tenants

    names = {cases: ("Case", "Client", "Consent", "Goal", "Need", "Referral", "ServiceEntry"),
             contracts: ("Contract", "ContractStep", "ContractTemplate", "Enrolment", "RateLine"),
             network: ("Agency", "Partner", "ServiceArea"), tenants: ("Invitation", "Tenant", "User")}
    return {name: getattr(module, name) for module, group in names.items() for name in group}


# which table a form or schema writes; fields named like a column are that column (ALIASES for the others)
FORM_MODELS = {
    "cases.forms.ClientForm": "Client", "cases.forms.ConsentForm": "Consent", "cases.forms.CaseForm": "Case",
    "cases.forms.CaseEditForm": "Case", "cases.forms.NeedForm": "Need", "cases.forms.GoalForm": "Goal",
    "cases.forms.ReferralForm": "Referral", "cases.forms.ServiceEntryForm": "ServiceEntry",
    "network.forms.AgencyForm": "Agency", "network.forms.PartnerForm": "Partner",
    "network.forms.ServiceAreaForm": "ServiceArea", "contracts.forms.ContractForm": "Contract",
    "contracts.forms.RateForm": "RateLine", "contracts.forms.TransitionForm": "ContractStep",
    "contracts.forms.TemplateUploadForm": "ContractTemplate", "contracts.forms.EnrolmentForm": "Enrolment",
    "contracts.forms.EnrolmentEditForm": "Enrolment",
    "tenants.forms.TenantForm": "Tenant", "tenants.forms.MemberForm": "Invitation",
    "tenants.forms.AcceptInvitationForm": "User", "tenants.account_forms.AccountForm": "User",
    "tenants.signup_forms.SignupForm": "Tenant", "tenants.admin_forms.ReasonForm": "Tenant",
}
SCHEMA_MODELS = {
    "ClientSchema": "Client", "ConsentSchema": "Consent", "CaseSchema": "Case", "NeedSchema": "Need",
    "GoalSchema": "Goal", "ReferralSchema": "Referral", "ServiceEntrySchema": "ServiceEntry",
    "AgencySchema": "Agency", "PartnerSchema": "Partner", "ServiceAreaSchema": "ServiceArea",
    "ContractSchema": "Contract", "RateSchema": "RateLine", "TransitionSchema": "ContractStep",
    "EnrolmentSchema": "Enrolment", "TenantSchema": "Tenant",
}
ALIASES = {("tenants.signup_forms.SignupForm", "owner_name"): ("User", "name"),
           ("tenants.signup_forms.SignupForm", "email"): ("User", "email"),
           ("tenants.admin_forms.ReasonForm", "reason"): ("Tenant", "status_reason")}
# typed with spaces, stored without them (tenants.services compacts and checks them before they are written)
COMPACTED = {("Tenant", "iban"), ("Tenant", "bic")}


def _column(models, model_name, field_name):
    model = models[model_name]
    column = model.__table__.columns.get(field_name)
    return column if column is not None and isinstance(column.type, String | Text) else None


def _allowed(column) -> int:
    return TEXT_LIMIT if isinstance(column.type, Text) or column.type.length is None else column.type.length


def _unbound_fields(cls):
    seen = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, UnboundField):
                seen[name] = value
    return seen


def test_every_text_field_of_a_form_has_a_length_within_its_column(app_ctx):
    """Does every text input of every page form carry a maximum length, one that its database column can hold
    (String(n): at most n; Text: at most 20,000), so that too long a text is a field error and never a database
    error?"""
    from core.forms import PageForm, SubForm

    models = _models()
    problems, checked = [], 0
    for cls in _form_classes():
        key = f"{cls.__module__}.{cls.__name__}"
        if not issubclass(cls, PageForm | SubForm):
            problems.append(f"{key} does not derive from core.forms.PageForm/SubForm (its messages would not help)")
        for name, unbound in _unbound_fields(cls).items():
            if not issubclass(unbound.field_class, wtforms.StringField):
                continue
            checked += 1
            maxima = [v.max for v in unbound.kwargs.get("validators", []) if isinstance(v, wtforms.validators.Length)
                      and v.max != -1]
            if not maxima:
                problems.append(f"{key}.{name} has no Length(max=…)")
                continue
            target = ALIASES.get((key, name)) or ((FORM_MODELS[key], name) if key in FORM_MODELS else None)
            column = _column(models, *target) if target else None
            if column is not None and target not in COMPACTED and min(maxima) > _allowed(column):
                problems.append(f"{key}.{name}: Length(max={min(maxima)}) but {target[0]}.{target[1]} holds "
                                f"{_allowed(column)}")
    assert checked > 60  # the walk found the forms
    assert not problems, "\n".join(problems)


def _schema_fields(cls):
    return {name: field for name, field in cls._declared_fields.items() if not field.dump_only}


def _string_maximum(field):
    validators = field.validators if isinstance(field.validators, list | tuple) else [field.validators]
    maxima = [v.max for v in validators if isinstance(v, mvalidate.Length) and v.max is not None]
    bounded = any(isinstance(v, mvalidate.OneOf | mvalidate.Regexp) for v in validators)
    return (min(maxima) if maxima else None), bounded


def test_every_string_the_api_reads_has_a_length_within_its_column(app_ctx):
    """Does every string a schema of the API reads have a maximum (Length, or a closed list or pattern), within
    its column when it is stored, so that too long a value is a 422 with the field's name and never a 500?"""
    models = _models()
    problems, checked = [], 0
    schemas = _input_schemas()
    assert len(schemas) > 30  # the walk found the API's inputs
    for cls in schemas:
        model_name = SCHEMA_MODELS.get(cls.__name__.replace("Patch", "").replace("Detail", ""))
        for name, field in _schema_fields(cls).items():
            strings = [field]
            if isinstance(field, mfields.List):
                strings = [field.inner]
            elif isinstance(field, mfields.Dict) and field.key_field is not None:
                strings = [field.key_field] + ([field.value_field] if field.value_field is not None else [])
            for item in strings:
                readable = isinstance(item, mfields.String) or (
                    isinstance(item, mfields.Function) and item.deserialize_func is not None)
                if not readable or item.dump_only:
                    continue
                checked += 1
                maximum, bounded = _string_maximum(item)
                if maximum is None and not bounded:
                    problems.append(f"{cls.__module__}.{cls.__name__}.{name} reads a string without a maximum")
                    continue
                column = _column(models, model_name, name) if model_name else None
                if (column is not None and maximum is not None and (model_name, name) not in COMPACTED
                        and maximum > _allowed(column)):
                    problems.append(f"{cls.__name__}.{name}: Length(max={maximum}) but {model_name}.{name} holds "
                                    f"{_allowed(column)}")
    assert checked > 60
    assert not problems, "\n".join(problems)


# --- pages ------------------------------------------------------------------------------------------------------


def _field_errors(html: str) -> dict[str, str]:
    """{field id: the text of its message(s)} as the page shows them next to the fields."""
    found = re.findall(r'<p class="field-error" id="([^"]+)-error"[^>]*>(.*?)</p>', html, re.S)
    return {field_id: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for field_id, text in found}


def _summary(html: str) -> str:
    return html.split('class="error-summary"', 1)[1].split("</ul>", 1)[0] if "error-summary" in html else ""


def _summary_links(html: str) -> list[str]:
    return re.findall(r'href="#([^"]+)"', _summary(html))


def test_one_submission_shows_the_errors_of_form_and_service_together(tenant_a, client, login, no_csrf, app):
    """A new client without a first name (the form's check), a last name too long (the form's) and a child's
    year that is no year (the service's): are all three shown after one submission, each at its field and in the
    summary, and is nothing stored?"""
    from sqlalchemy import func, select

    from cases.models import Client
    from core.extensions import db

    login(client, tenant_a, "case_manager")
    r = client.post(f"/{tenant_a.slug}/clients/new", data={
        "first_name": "", "last_name": "M" * 101, "birth_year": "1990", "children": "2016, 20x6"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    errors = _field_errors(html)
    assert errors.get("first_name") == "Dieses Feld wird benötigt.", errors
    assert "höchstens 100 Zeichen" in errors.get("last_name", ""), errors
    assert "vier Ziffern" in errors.get("children", ""), errors
    assert {"first_name", "last_name", "children"} <= set(_summary_links(html))
    with app.app_context(), tenant_a.context():
        assert db.session.scalar(select(func.count(Client.id))) == 0


def test_one_submission_of_a_case_names_the_missing_client_and_the_far_review_date(tenant_a, client, login,
                                                                                   no_csrf):
    """Opening a case without choosing the client (the form) and with a review date in 2099 (the service): both
    messages in one round?"""
    login(client, tenant_a, "case_manager")
    page = client.get(f"/{tenant_a.slug}/cases/new").get_data(as_text=True)
    manager = re.search(r'<select[^>]*id="case_manager_id"[^>]*>.*?<option[^>]*value="(\d+)"', page, re.S).group(1)
    r = client.post(f"/{tenant_a.slug}/cases/new", data={
        "client_id": "", "case_manager_id": manager, "opened_on": berlin_today().isoformat(),
        "next_review_on": "2099-01-01"})
    errors = _field_errors(r.get_data(as_text=True))
    assert errors.get("client_id") == "Dieses Feld wird benötigt.", errors
    assert "Jahre in der Zukunft" in errors.get("next_review_on", ""), errors


def test_one_submission_of_a_contract_names_the_bad_amount_budget_and_term_together(tenant_a, client, login,
                                                                                    no_csrf, make_agency):
    """A rate amount that is no amount (read by the view), a negative budget and a term ending before it starts
    (both the service's): all three in one round, not the rate first and the others next time?"""
    agency_id = make_agency(tenant_a)
    login(client, tenant_a, "admin")
    r = client.post(f"/{tenant_a.slug}/contracts/new", data=_draft_form(
        agency_id, **{"rates-0-amount": "abc", "budget": "-5", "valid_from": "2027-01-01",
                      "valid_to": "2026-01-01"}))
    assert r.status_code == 200
    errors = _field_errors(r.get_data(as_text=True))
    assert "180,00" in errors.get("rates-0-amount", ""), errors
    assert errors.get("budget") == "Darf nicht negativ sein.", errors
    assert "01.01.2027" in errors.get("valid_to", ""), errors


def _new_case(client, api_token, fx) -> int:
    headers = api_token(fx, "case_manager")
    person = client.post("/api/v1/clients", json={"first_name": "Anna", "last_name": "Muster"}, headers=headers)
    assert person.status_code == 201, person.json
    case = client.post("/api/v1/cases", json={"client_id": person.json["id"], "opened_on": "2026-01-05"},
                       headers=headers)
    assert case.status_code == 201, case.json
    return case.json["id"]


def test_one_submission_names_a_taken_name_with_the_other_errors(tenant_a, client, login, no_csrf, make_agency):
    """A second agency of the same name with a wrong e-mail address: the taken name (the service's check) and the
    address (the form's) come in one round, not one after the other."""
    make_agency(tenant_a, "Jobcenter Kiel")
    login(client, tenant_a, "admin")
    r = client.post(f"/{tenant_a.slug}/agencies/new", data={"name": "Jobcenter Kiel", "kind": "jobcenter",
                                                             "email": "kein-at-zeichen"})
    errors = _field_errors(r.get_data(as_text=True))
    assert errors.get("email") == "Geben Sie eine E-Mail-Adresse wie name@beispiel.de ein.", errors
    assert errors.get("name") == "Dieser Name ist in diesem Bündnis vergeben; wählen Sie einen anderen.", errors


@pytest.fixture
def case_url(tenant_a, client, login, no_csrf, api_token):
    case_id = _new_case(client, api_token, tenant_a)
    login(client, tenant_a, "case_manager")
    return f"/{tenant_a.slug}/cases/{case_id}"


def _entry(client, url, **fields):
    data = {"on": berlin_today().isoformat(), "minutes": "45", "service_area": "case_management", **fields}
    return client.post(f"{url}/services/new", data=data)


def test_wording_says_what_is_wrong_and_how_to_fix_it(case_url, client):
    """A present but invalid value hears what is wrong and how to write it, never "Dieses Feld wird benötigt";
    only an empty field does. A date typed the German way is read."""
    html = _entry(client, case_url, on="31.02.2026", minutes="0").get_data(as_text=True)
    errors = _field_errors(html)
    assert errors.get("on") == "Geben Sie ein Datum im Format TT.MM.JJJJ ein, z. B. 31.01.2026.", errors
    assert errors.get("minutes") == "Geben Sie eine Zahl von 1 bis 1440 ein.", errors
    assert "benötigt" not in html

    errors = _field_errors(_entry(client, case_url, minutes="viel", service_area="no_such_area")
                           .get_data(as_text=True))
    assert errors.get("minutes") == "Geben Sie eine ganze Zahl nur mit Ziffern ein, z. B. 12.", errors
    assert errors.get("service_area") == "Wählen Sie einen Eintrag aus der Liste aus.", errors

    errors = _field_errors(_entry(client, case_url, on="", minutes="").get_data(as_text=True))
    assert errors.get("on") == errors.get("minutes") == "Dieses Feld wird benötigt.", errors

    day = berlin_today()
    assert _entry(client, case_url, on=day.strftime("%d.%m.%Y")).status_code == 302


def test_a_range_message_writes_its_numbers_in_german(app, no_csrf):
    """Approved hours out of range: "von 0,5 bis 10.000", not "0.5 bis 10000" (four digits stay ungrouped: the
    minutes' "1 bis 1440" in the test above)."""
    from contracts.forms import EnrolmentEditForm, with_hours_lines

    form_class = with_hours_lines(EnrolmentEditForm, 1)
    with app.test_request_context(method="POST", data={
            "from_on": "2027-01-01", "to_on": "2027-03-31",
            "approved_hours-0-service_area": "case_management", "approved_hours-0-hours": "0,1"}):
        form = form_class()
        assert not form.validate()
        assert form["approved_hours-0-hours"].errors == ["Geben Sie eine Zahl von 0,5 bis 10.000 ein."]


def test_a_refused_contract_step_names_states_not_codes_at_its_field(tenant_a, client, login, no_csrf,
                                                                      make_agency):
    """A step that is not possible from a draft: is the page shown again (not a bare flash) with the states by
    their names ("Entwurf"), never their codes, and a step dated in 2099 with the message at its date field?"""
    agency_id = make_agency(tenant_a)
    login(client, tenant_a, "admin")
    r = client.post(f"/{tenant_a.slug}/contracts/new", data=_draft_form(agency_id))
    assert r.status_code == 302, _field_errors(r.get_data(as_text=True))
    url = r.headers["Location"]
    r = client.post(url + "/transition", data={"to": "active", "on": berlin_today().isoformat()})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    summary = _summary(html)
    assert "„Entwurf“" in summary and "draft" not in summary and "active" not in summary, summary
    r = client.post(url + "/transition", data={"to": "in_review", "on": "2099-01-01"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert _field_errors(html).get("on-in_review"), _field_errors(html)
    assert "on-in_review" in _summary_links(html)


# --- too long: a field error on the page and in the API, never a 500 ------------------------------------------


def test_too_long_a_name_is_a_field_error_on_the_page_and_in_the_api(tenant_a, client, login, api_token, app,
                                                                    is_postgres):
    """An agency's name of 201 characters (its column holds 200): the page shows the limit at the field (and the
    input says maxlength), the API answers 422 naming the field, and nothing is stored. On PostgreSQL the same
    value written past the checks is refused by the database, which would have been a 500."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import DataError

    from core.extensions import db
    from network.models import Agency
    from tests.conftest import csrf_from

    login(client, tenant_a, "admin")
    page = client.get(f"/{tenant_a.slug}/agencies/new")
    assert re.search(r'<input[^>]*id="name"[^>]*maxlength="200"', page.get_data(as_text=True))
    r = client.post(f"/{tenant_a.slug}/agencies/new", data={
        "csrf_token": csrf_from(page.data), "name": "J" * 201, "kind": "jobcenter", "contact": "K" * 201})
    assert r.status_code == 200
    errors = _field_errors(r.get_data(as_text=True))
    assert errors.get("name") == ("Erlaubt sind höchstens 200 Zeichen, eingegeben sind 201. Bitte kürzen Sie "
                                  "den Text."), errors
    assert "contact" in errors

    r = client.post("/api/v1/agencies", json={"name": "J" * 201, "kind": "jobcenter", "address": "A" * 2001},
                    headers=api_token(tenant_a, "admin"))
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]) == {"name", "address"}, r.json
    with app.app_context(), tenant_a.context():
        assert db.session.scalar(select(func.count(Agency.id))) == 0
    if is_postgres:
        with app.app_context(), tenant_a.context(), pytest.raises(DataError), db.session.begin_nested():
            db.session.add(Agency(name="J" * 201, kind="jobcenter"))
            db.session.flush()


def test_too_long_a_goal_title_through_the_api_is_a_422(tenant_a, client, api_token):
    """The cases API: a goal's title of 201 characters is a 422 naming `title`, not a database error."""
    case_id = _new_case(client, api_token, tenant_a)
    r = client.post(f"/api/v1/cases/{case_id}/goals", json={"title": "Z" * 201, "responsible": "client"},
                    headers=api_token(tenant_a, "case_manager"))
    assert r.status_code == 422, r.json
    assert "title" in r.json["errors"]
