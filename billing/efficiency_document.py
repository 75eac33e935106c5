"""The efficiency review report for people: readable labels and quantities, and the .docx (python-docx)
that is converted to PDF and sent to the agency. The page and the PDF share these helpers."""

import io
from datetime import date
from decimal import Decimal

from docx import Document
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cases.forms import OUTCOME_LABELS
from contracts.forms import RATE_KIND_LABELS
from core.money import format_cents


def labels() -> dict:
    """Readable names for rate kinds and outcomes (in the user's language)."""
    return {
        "kinds": dict(RATE_KIND_LABELS),
        "outcomes": {**OUTCOME_LABELS, "none": _l("No outcome recorded")},
    }


def percent(share: Decimal | None) -> str:
    return "–" if share is None else format_percent(share, format="#,##0.0 %")


def hours_text(minutes: int | None) -> str:
    return format_decimal(Decimal(minutes or 0) / 60, format="#,##0.0")


def quantity_text(line: dict) -> str:
    if line["kind"] == "per_case_month":
        count = int(line["quantity"])
        return ngettext("%(count)s case-month", "%(count)s case-months", count,
                        count=format_decimal(count, format="#,##0"))
    if line["kind"] == "per_unit":
        return _("%(h)s hours", h=format_decimal(line["quantity"], format="#,##0.0#"))
    count = int(line["quantity"])
    return ngettext("%(count)s billing period", "%(count)s billing periods", count,
                    count=format_decimal(count, format="#,##0"))


def line_label(line: dict, kinds: dict) -> str:
    parts = [str(kinds.get(line["kind"], line["kind"]))]
    if line["area"] is not None:
        parts.append(line["area"].name)
    if line["label"]:
        parts.append(line["label"])
    return " – ".join(parts)


def report_docx(report: dict) -> bytes:
    """The report as a .docx (python-docx), to be converted to PDF and sent to the agency."""
    names = labels()
    contract = report["contract"]

    def day(d: date) -> str:
        return d.strftime("%d.%m.%Y")

    def table(header: list[str], rows: list[list[str]]) -> None:
        grid = doc.add_table(rows=1, cols=len(header))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, header, strict=True):
            cell.text = text
        for row in rows:
            for cell, text in zip(grid.add_row().cells, row, strict=True):
                cell.text = text

    doc = Document()
    doc.add_heading(_("Efficiency review report"), level=0)
    doc.add_paragraph(f"{contract.title} – {contract.agency.name}")
    doc.add_paragraph(_("Period: %(a)s to %(b)s", a=day(report["period_from"]), b=day(report["period_to"])))
    doc.add_paragraph(_("Costs are computed from the rate lines of the agreement (cost according to the "
                        "agreement); they are not invoiced amounts."))
    doc.add_heading(_("Summary"), level=1)
    table([_("Indicator"), _("Value")], [
        [_("Enrolled cases"), str(report["cases"])],
        [_("Case-months"), str(report["case_months"])],
        [_("Hours of service"), hours_text(report["minutes"])],
        [_("Cost according to the agreement"), format_cents(report["total_cents"])],
        [_("Cost per case"), format_cents(report["cost_per_case_cents"]) or "–"],
        [_("Budget cap"), format_cents(report["budget_cents"]) or "–"],
        [_("Share of the budget used"), percent(report["budget_share"])],
    ])
    doc.add_heading(_("Cost per rate line"), level=1)
    table([_("Rate line"), _("Amount"), _("Quantity"), _("Cost")], [
        [line_label(x, names["kinds"]), format_cents(x["amount_cents"]), quantity_text(x),
         format_cents(x["cost_cents"])] for x in report["lines"]
    ] + [[_("Total"), "", "", format_cents(report["total_cents"])]])
    doc.add_heading(_("Hours and cost per service area"), level=1)
    table([_("Service area"), _("Hours"), _("Cases with services"), _("Cost"), _("Cost per enrolled case")], [
        [r["area"].name if r["area"] else "–", hours_text(r["minutes"]), str(r["cases"]),
         format_cents(r["cost_cents"]), format_cents(r["cost_per_case_cents"]) or "–"] for r in report["areas"]
    ])
    doc.add_heading(_("Outcomes of cases closed in the period"), level=1)
    if report["outcomes"]:
        table([_("Outcome"), _("Cases")],
              [[str(names["outcomes"].get(k, k)), str(n)] for k, n in report["outcomes"].items()])
    else:
        doc.add_paragraph(_("No enrolled case was closed in the period."))
    doc.add_heading(_("Approved and used hours"), level=1)
    if report["approved_hours"]:
        table([_("Service area"), _("Approved hours"), _("Used hours")], [
            [r["area"].name if r["area"] else "–", hours_text(r["approved_minutes"]),
             hours_text(r["used_minutes"])] for r in report["approved_hours"]
        ])
    else:
        doc.add_paragraph(_("No hours were approved per service area."))
    doc.add_paragraph(_("Approved and used hours cover each enrolment's whole range."))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
