"""Contract documents from .docx templates: the documented context, the sandbox, rendering and upload checks.

Templates are uploaded by tenants, so they are untrusted code: docxtpl renders them in an immutable Jinja
sandbox
(no underscore attributes, no mutation, no loader so no include/import of files, bounded ranges and
repetitions),
with autoescape ON (an `&` or `<` in a name would otherwise break the document XML), and with plain dicts as
data
(never ORM objects, which would lead to the session and the database).
"""

import io
import logging
import multiprocessing
import re
import resource
import zipfile
from datetime import date

from docxtpl import DocxTemplate
from flask_babel import lazy_gettext as _l
from jinja2 import DictLoader, StrictUndefined, TemplateSyntaxError, Undefined
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from contracts.template_errors import explain_render_error, explain_syntax_error
from core.money import format_cents

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_ENTRIES = 500
MAX_REPEAT = 10_000
RENDER_TIMEOUT_SECONDS = 5  # a real contract renders in well under a second; a request never waits longer
RENDER_MEMORY_BYTES = 1024 * 1024 * 1024  # longest string/list a template may build with * or **

LEGAL_BASIS_LABELS = {
    "sgb2_16a": "§ 16a SGB II (kommunale Eingliederungsleistungen)",
    "sgb2_16_sgb3_45": "§ 16 SGB II i. V. m. § 45 SGB III "
    "(Maßnahmen zur Aktivierung und beruflichen Eingliederung)",
    "sgb2_17": "§ 17 SGB II (Einrichtungen und Dienste für Leistungen zur Eingliederung)",
    "sgb8_77_78a": "§§ 77, 78a ff. SGB VIII (Vereinbarungen über Leistungsangebote und Entgelte)",
    "sgb12_75": "§§ 75 ff. SGB XII (Vereinbarungen mit Trägern von Einrichtungen)",
    "other": "sonstige Rechtsgrundlage",
}
ROUTE_LABELS = {
    "agreement": "Vereinbarung nach den Sozialgesetzbüchern",
    "procurement": "Vergabe nach Vergaberecht",
    "joint_company": "gemeinsame Gesellschaft",
}
RATE_KIND_LABELS = {
    "per_case_month": "Pauschale je Fall und Monat",
    "per_unit": "Betrag je Stunde im Leistungsbereich",
    "per_period": "Pauschale je Abrechnungszeitraum",
}
RATE_UNITS = {
    "per_case_month": "je Fall und Monat",
    "per_unit": "je Stunde",
    "per_period": "je Abrechnungszeitraum",
}
BILLING_CYCLE_LABELS = {"monthly": "monatlich", "quarterly": "vierteljährlich"}
AGENCY_KIND_NAMES = {
    "jobcenter": "Jobcenter",
    "arbeitsagentur": "Agentur für Arbeit",
    "jugendamt": "Jugendamt",
    "sozialamt": "Sozialamt",
    "kommune": "Kommune",
    "other": "Leistungsträger",
}
PARTNER_KIND_NAMES = {
    "childcare": "Kinderbetreuung",
    "training": "Bildungsträger",
    "counselling": "Beratungsstelle",
    "employer": "Arbeitgeber",
    "other": "Partnerorganisation",
}
DEFAULT_VAT_EXEMPT_REASON = "Die Leistungen sind nach § 4 Nr. 15b UStG von der Umsatzsteuer befreit."

# Characters XML 1.0 forbids, and the ones docxtpl turns into structure (\a paragraph, \f page break).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TemplateProblem(Exception):
    """A template that cannot be used; `errors` lists what is wrong, for the upload form and the API."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class _SafeEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_REPEAT:
                    raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


def sandbox(strict: bool = False) -> ImmutableSandboxedEnvironment:
    """The only Jinja environment contract templates see."""
    env = _SafeEnvironment(
        autoescape=True, undefined=StrictUndefined if strict else Undefined, loader=DictLoader({})
    )  # no files: include/import/extends find nothing
    env.globals = {"range": env.globals["range"]}  # drop lipsum, cycler, joiner, namespace, dict
    env.filters.pop("safe", None)  # a template must not switch escaping off for data
    env.filters["money"] = format_cents
    env.filters["date"] = format_date
    return env


def format_date(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        return value
    return value.strftime("%d.%m.%Y")


def _text(value) -> str:
    if value is None:
        return ""
    return _CONTROL.sub("", str(value))


def contract_context(contract, tenant, today: date) -> dict:
    """The documented context (see CONTEXT_DOC) of a contract: plain dicts and strings only."""
    agency = contract.agency
    rates = []
    for r in contract.rates:
        rates.append(
            {
                "kind": r.kind,
                "kind_label": RATE_KIND_LABELS[r.kind],
                "unit": RATE_UNITS[r.kind],
                "service_area": _text(r.area.code if r.area else ""),
                "service_area_name": _text(r.area.name if r.area else ""),
                "label": _text(r.label or (r.area.name if r.area else RATE_KIND_LABELS[r.kind])),
                "amount": format_cents(r.amount_cents),
                "amount_cents": r.amount_cents,
            }
        )
    vat_note = (
        (_text(contract.vat_exempt_reason) or DEFAULT_VAT_EXEMPT_REASON)
        if contract.vat == "exempt"
        else (f"Zu den Beträgen kommt die gesetzliche Umsatzsteuer von {contract.vat} % hinzu.")
    )
    return {
        "provider": {
            "name": _text(tenant.name),
            "legal_name": _text(tenant.legal_name or tenant.name),
            "address": _text(tenant.address),
            "email": _text(tenant.email),
            "tax_number": _text(tenant.tax_number),
            "vat_id": _text(tenant.vat_id),
            "iban": _text(tenant.iban),
            "bic": _text(tenant.bic),
        },
        "agency": {
            "name": _text(agency.name),
            "kind": agency.kind,
            "kind_label": AGENCY_KIND_NAMES.get(agency.kind, ""),
            "address": _text(agency.address),
            "email": _text(agency.email),
            "contact": _text(agency.contact),
            "leitweg_id": _text(agency.leitweg_id),
        },
        "partners": [
            {
                "name": _text(cp.partner.name),
                "kind": cp.partner.kind,
                "kind_label": PARTNER_KIND_NAMES.get(cp.partner.kind, ""),
                "address": _text(cp.partner.address),
                "email": _text(cp.partner.email),
                "contact": _text(cp.partner.contact),
            }
            for cp in contract.partners
        ],
        "contract": {
            "id": contract.id,
            "version": contract.version,
            "title": _text(contract.title),
            "legal_basis": contract.legal_basis,
            "legal_basis_label": LEGAL_BASIS_LABELS.get(contract.legal_basis, ""),
            "route": contract.route,
            "route_label": ROUTE_LABELS.get(contract.route, ""),
            "scope": _text(contract.scope),
            "quality": _text(contract.quality),
            "efficiency_review": _text(contract.efficiency_review),
            "efficiency_indicators": _text(contract.efficiency_indicators),
            "review_interval_months": contract.review_interval_months or "",
            "next_review_on": format_date(contract.next_review_on),
            "notification_duties": _text(contract.notification_duties),
            "termination": _text(contract.termination),
            "notice_period_months": contract.notice_period_months or "",
            "valid_from": format_date(contract.valid_from),
            "valid_to": format_date(contract.valid_to),
            "billing_cycle": contract.billing_cycle,
            "billing_cycle_label": BILLING_CYCLE_LABELS.get(contract.billing_cycle, ""),
            "budget": format_cents(contract.budget_cents),
            "budget_cents": contract.budget_cents,
            "vat": contract.vat,
            "vat_note": vat_note,
            "prorate_days": contract.prorate_days,
        },
        "rates": rates,
        "today": format_date(today),
    }


# name -> (description, example); the help page lists these and the upload check accepts exactly these names.
CONTEXT_DOC = {
    "provider": (
        _l("The alliance (case-management provider) as in its settings: name, legal_name, address, email, "
        "tax_number, vat_id, iban, bic"),
        "{{ provider.legal_name }}",
    ),
    "agency": (
        _l("The funding agency: name, kind, kind_label, address, email, contact, leitweg_id"),
        "{{ agency.name }}, {{ agency.address }}",
    ),
    "partners": (
        _l("Partner organisations delivering services: a list of name, kind, kind_label, address, email, "
        "contact"),
        "{% for p in partners %}{{ p.name }} ({{ p.kind_label }}){% endfor %}",
    ),
    "contract": (
        _l("The terms: id, version, title, legal_basis, legal_basis_label, route, route_label, scope, quality, "
        "efficiency_review, efficiency_indicators, review_interval_months, next_review_on, "
        "notification_duties, termination, notice_period_months, valid_from, valid_to, billing_cycle, "
        "billing_cycle_label, budget, budget_cents, vat, vat_note, prorate_days"),
        "{{ contract.legal_basis_label }} – gültig vom {{ contract.valid_from }} bis {{ contract.valid_to }}",
    ),
    "rates": (
        _l("The rate lines: a list of kind, kind_label, unit, service_area, service_area_name, label, amount, "
        "amount_cents. In a table row: {%tr for r in rates %} … {%tr endfor %}"),
        "{%tr for r in rates %} {{ r.label }} | {{ r.kind_label }} | {{ r.amount }} {%tr endfor %}",
    ),
    "today": (_l("The rendering date, DD.MM.YYYY"), "Musterstadt, den {{ today }}"),
}
FILTERS_DOC = {
    "money": (_l("Integer cents as German money"), "{{ contract.budget_cents|money }} → 120.000,00 €"),
    "date": (_l("A date as DD.MM.YYYY"), "{{ contract.valid_from|date }}"),
}


def sample_context() -> dict:
    """Realistic values for every documented variable: upload checks render with them, the help page shows
    them."""
    return {
        "provider": {
            "name": "Lokales Bündnis für Familie Musterstadt",
            "legal_name": "Bündnis für Familie e.V.",
            "address": "Marktplatz 1\n12345 Musterstadt",
            "email": "kontakt@example.org",
            "tax_number": "12/345/67890",
            "vat_id": "",
            "iban": "DE02120300000000202051",
            "bic": "BYLADEM1001",
        },
        "agency": {
            "name": "Jobcenter Musterstadt",
            "kind": "jobcenter",
            "kind_label": "Jobcenter",
            "address": "Agenturstraße 5\n12345 Musterstadt",
            "email": "jc@example.org",
            "contact": "Frau Berger",
            "leitweg_id": "04011000-1234512345-06",
        },
        "partners": [
            {
                "name": "Kita Sonnenschein & Co. gGmbH",
                "kind": "childcare",
                "kind_label": "Kinderbetreuung",
                "address": "Gartenweg 1",
                "email": "kita@example.org",
                "contact": "Frau Klein",
            }
        ],
        "contract": {
            "id": 1,
            "version": 1,
            "title": "Fallmanagement für Alleinerziehende",
            "legal_basis": "sgb2_16a",
            "legal_basis_label": LEGAL_BASIS_LABELS["sgb2_16a"],
            "route": "agreement",
            "route_label": ROUTE_LABELS["agreement"],
            "scope": "Fallmanagement für 40 Alleinerziehende",
            "quality": "Fachkräfte mit Abschluss",
            "efficiency_review": "Halbjährlicher Bericht",
            "efficiency_indicators": "Vermittlungsquote",
            "review_interval_months": 6,
            "next_review_on": "30.06.2027",
            "notification_duties": "Abbrüche binnen einer Woche",
            "termination": "Aus wichtigem Grund",
            "notice_period_months": 3,
            "valid_from": "01.01.2027",
            "valid_to": "31.12.2027",
            "billing_cycle": "monthly",
            "billing_cycle_label": "monatlich",
            "budget": "120.000,00 €",
            "budget_cents": 12_000_000,
            "vat": "exempt",
            "vat_note": DEFAULT_VAT_EXEMPT_REASON,
            "prorate_days": False,
        },
        "rates": [
            {
                "kind": "per_case_month",
                "kind_label": RATE_KIND_LABELS["per_case_month"],
                "unit": RATE_UNITS["per_case_month"],
                "service_area": "case_management",
                "service_area_name": "Fallmanagement",
                "label": "Fallmanagement",
                "amount": "180,00 €",
                "amount_cents": 18000,
            }
        ],
        "today": "26.11.2026",
    }


def render_docx(template_bytes: bytes, context: dict) -> bytes:
    """Render a template in the sandbox, in a child process with a time and memory limit (a template can loop
    for ever or build huge strings); TemplateProblem if the template misbehaves."""
    return _render_limited(template_bytes, context, strict=False)


def _render_in_child(conn, template_bytes: bytes, context: dict, strict: bool) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (RENDER_MEMORY_BYTES, RENDER_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (RENDER_TIMEOUT_SECONDS + 1, RENDER_TIMEOUT_SECONDS + 2))
    try:
        doc = DocxTemplate(io.BytesIO(template_bytes))
        doc.render(context, jinja_env=sandbox(strict=strict), autoescape=True)
        out = io.BytesIO()
        doc.save(out)
        result = ("ok", out.getvalue())
    except SecurityError as exc:
        result = ("security", str(exc))
    except TemplateSyntaxError as exc:
        result = ("syntax", str(exc))
    except TemplateError as exc:
        result = ("template", str(exc))
    except MemoryError:
        result = ("memory", "")
    except Exception as exc:  # noqa: BLE001 - anything a hostile template provokes is its problem, not a 500
        result = ("error", f"{type(exc).__name__}: {exc}")
    conn.send(result)
    conn.close()


def _render_limited(template_bytes: bytes, context: dict, strict: bool) -> bytes:
    # forkserver: a clean, single-threaded parent for the children (safe inside threaded web and Celery workers)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["contracts.rendering"])
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_render_in_child, args=(sender, template_bytes, context, strict), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(RENDER_TIMEOUT_SECONDS):
            raise TemplateProblem([_l("The template took too long to render.")])
        try:
            kind, value = receiver.recv()
        except EOFError:  # the child died (memory limit, CPU limit)
            kind, value = "memory", ""
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receiver.close()
    if kind == "ok":
        return value
    if kind == "security":
        # the sandbox's own wording is technical English; name the rule instead and keep the detail for admins
        logging.getLogger(__name__).info("template refused by the sandbox: %s", value)
        raise TemplateProblem([_l("The template tries to reach program internals (attributes starting with "
                                  "an underscore, imports or files); that is not allowed.")])
    if kind == "memory":
        raise TemplateProblem([_l("The template needs too much memory.")])
    if kind == "syntax":
        raise TemplateProblem([_syntax_problem(template_bytes)])
    if kind == "template" and (explained := explain_render_error(value)) is not None:
        raise TemplateProblem([explained])
    # Jinja's and python-docx's own words are English and technical: keep them for admins, say what to do
    logging.getLogger(__name__).info("template cannot be rendered: %s", value)
    if kind == "template" and strict:
        raise TemplateProblem([_l("The template cannot be rendered with the documented variables; check its "
                                  "placeholders against the list of variables on the help page.")])
    raise TemplateProblem([_l("The template cannot be rendered; check its placeholders and commands against the "
                              "help page.")])


def _syntax_problem(data: bytes):
    """The paragraph and tag that break the template, in the user's words (contracts.template_errors)."""
    return explain_syntax_error(data, sandbox()) or _l(
        "A placeholder or command of the template is not written correctly (every %(open)s needs its %(close)s, "
        "every if and for its end); check them against the help page.", open="„{{“ / „{%“", close="„}}“ / „%}“")


def check_zip(data: bytes) -> list[str]:
    """Real .docx, not too big, no zip bomb (checked from the central directory before anything is
    inflated)."""
    if len(data) > MAX_TEMPLATE_BYTES:
        return [_l("The file is larger than %(mb)s MB.", mb=MAX_TEMPLATE_BYTES // (1024 * 1024))]
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [_l("This is not a .docx file (not a ZIP container).")]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if len(infos) > MAX_ZIP_ENTRIES:
                return [_l("The file has too many parts.")]
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED_BYTES:
                return [_l("The file unpacks to more than 50 MB (zip bomb?).")]
            for info in infos:
                if (
                    info.compress_size
                    and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
                    and info.file_size > 1024 * 1024
                ):
                    return [
                        _l(
                            "The part %(name)s is compressed suspiciously well (zip bomb?).",
                            name=info.filename,
                        )
                    ]
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                return [_l("This is not a Word document (.docx): word/document.xml is missing.")]
            # Read what we declared so the real sizes are verified too (a header can lie).
            read = 0
            for info in infos:
                with zf.open(info) as fh:
                    while chunk := fh.read(65536):
                        read += len(chunk)
                        if read > MAX_UNCOMPRESSED_BYTES:
                            return [_l("The file unpacks to more than 50 MB (zip bomb?).")]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        return [_l("The file is a damaged ZIP container: %(error)s", error=exc)]
    return []


def validate_template(data: bytes) -> None:
    """All upload checks; raises TemplateProblem listing every problem found."""
    if problems := check_zip(data):
        raise TemplateProblem(problems)
    try:
        doc = DocxTemplate(io.BytesIO(data))
        undeclared = doc.get_undeclared_template_variables(jinja_env=sandbox())
    except TemplateSyntaxError as exc:
        # the line of docxtpl's XML means nothing to a clerk: name the paragraph and the tag instead
        raise TemplateProblem([_syntax_problem(data)]) from exc
    except TemplateError as exc:
        logging.getLogger(__name__).info("template refused: %s", exc)
        raise TemplateProblem([explain_render_error(str(exc)) or _l(
            "The template cannot be read; check its placeholders and commands against the help page.")]) from exc
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on broken documents
        logging.getLogger(__name__).info("template document unreadable: %s", exc)
        raise TemplateProblem([_l("The document cannot be read as a Word document (.docx); save it again in "
                                  "Word or LibreOffice as .docx and upload it anew.")]) from exc
    unknown = sorted(undeclared - set(CONTEXT_DOC))
    if unknown:
        raise TemplateProblem([_l("Unknown variable: %(name)s", name=name) for name in unknown])
    # A trial rendering with strict undefined catches unknown attributes (agency.nmae) and sandbox violations.
    _render_limited(data, sample_context(), strict=True)
