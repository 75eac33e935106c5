"""Efficiency review report (Prüfung der Wirtschaftlichkeit) of one contract over a period.

Pure computation over the ORM (tenant scoping is automatic). The cost is the cost *according to the
agreement*: the rate lines applied to enrolments and service entries as DOMAIN.md "Billing rules" says. No
invoices exist yet, so this is not what was billed. Money is integer cents; shares are Decimal.
"""

import calendar
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from cases.models import Case, ServiceEntry
from contracts.models import Contract, Enrolment
from contracts.services import approved_hours_use
from core.extensions import db
from network.models import ServiceArea


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _months(first: date, last: date):
    """(year, month) of every calendar month touching [first, last]."""
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _billing_periods(contract: Contract, first: date, last: date) -> list[tuple[date, date]]:
    """The billing periods (calendar months or quarters) that overlap [first, last]."""
    periods = []
    for year, month in _months(first, last):
        if contract.billing_cycle == "quarterly":
            if month not in (1, 4, 7, 10) and (year, month) != (first.year, first.month):
                continue
            start_month = (month - 1) // 3 * 3 + 1
            start = date(year, start_month, 1)
            end = date(year, start_month + 2, calendar.monthrange(year, start_month + 2)[1])
        else:
            start = date(year, month, 1)
            end = date(year, month, calendar.monthrange(year, month)[1])
        periods.append((start, end))
    return periods


def report_window(contract: Contract, period_from: date, period_to: date) -> tuple[date, date] | None:
    """The requested period clipped to the contract's validity; None when nothing is left."""
    first = max(period_from, contract.valid_from) if contract.valid_from else period_from
    last = min(period_to, contract.valid_to) if contract.valid_to else period_to
    return (first, last) if first <= last else None


def efficiency_report(contract: Contract, period_from: date, period_to: date) -> dict:
    """Cases, case-months, hours and cost (per rate line, per case, per service area), budget share used,
    outcomes of cases closed in the period, and approved against used hours."""
    window = report_window(contract, period_from, period_to)
    enrolments = []
    if window is not None:
        enrolments = (
            db.session.scalars(
                select(Enrolment)
                .where(
                    Enrolment.contract_id == contract.id,
                    Enrolment.from_on <= window[1],
                    Enrolment.to_on >= window[0],
                )
                .order_by(Enrolment.case_id, Enrolment.from_on)
            )
            .unique()
            .all()
        )
    case_ids = sorted({e.case_id for e in enrolments})

    # Enrolled days per (case, month), clipped to the window (enrolments of one case never overlap).
    days: dict[tuple[int, int, int], int] = defaultdict(int)
    for e in enrolments:
        first, last = max(e.from_on, window[0]), min(e.to_on, window[1])
        for year, month in _months(first, last):
            month_first = date(year, month, 1)
            month_last = date(year, month, calendar.monthrange(year, month)[1])
            days[(e.case_id, year, month)] += (min(last, month_last) - max(first, month_first)).days + 1
    case_months = len(days)

    # Service entries of enrolled cases on enrolled days inside the window.
    entries = []
    if window is not None and enrolments:
        entries = db.session.execute(
            select(ServiceEntry.case_id, ServiceEntry.service_area_id, ServiceEntry.minutes)
            .join(
                Enrolment,
                (Enrolment.case_id == ServiceEntry.case_id)
                & (Enrolment.from_on <= ServiceEntry.on)
                & (Enrolment.to_on >= ServiceEntry.on),
            )
            .where(
                Enrolment.contract_id == contract.id,
                ServiceEntry.on >= window[0],
                ServiceEntry.on <= window[1],
            )
        ).all()
    minutes_by_case_area: dict[tuple[int, int], int] = defaultdict(int)
    for case_id, area_id, minutes in entries:
        minutes_by_case_area[(case_id, area_id)] += minutes

    periods = _billing_periods(contract, *window) if window is not None else []
    lines = []
    cost_by_area: dict[int | None, int] = defaultdict(int)
    for rate in contract.rates:
        if rate.kind == "per_case_month":
            if contract.prorate_days:
                cents = sum(
                    _cents(Decimal(rate.amount_cents * n) / calendar.monthrange(y, m)[1])
                    for (_case, y, m), n in days.items()
                )
            else:
                cents = rate.amount_cents * case_months
            quantity = Decimal(case_months)
        elif rate.kind == "per_unit":
            per_case = {
                case_id: minutes
                for (case_id, area_id), minutes in minutes_by_case_area.items()
                if area_id == rate.service_area_id
            }
            cents = sum(_cents(Decimal(minutes * rate.amount_cents) / 60) for minutes in per_case.values())
            quantity = Decimal(sum(per_case.values())) / 60
        else:  # per_period
            cents = rate.amount_cents * len(periods)
            quantity = Decimal(len(periods))
        lines.append({"rate": rate, "kind": rate.kind, "label": rate.label, "area": rate.area,
                      "amount_cents": rate.amount_cents, "quantity": quantity, "cost_cents": cents})
        cost_by_area[rate.service_area_id] += cents
    total = sum(line["cost_cents"] for line in lines)

    areas = {a.id: a for a in db.session.scalars(select(ServiceArea))}
    minutes_by_area: dict[int, int] = defaultdict(int)
    cases_by_area: dict[int, set] = defaultdict(set)
    for (case_id, area_id), minutes in minutes_by_case_area.items():
        minutes_by_area[area_id] += minutes
        cases_by_area[area_id].add(case_id)
    area_rows = [
        {
            "area": areas.get(area_id),
            "minutes": minutes_by_area.get(area_id, 0),
            "cases": len(cases_by_area.get(area_id, ())),
            "cost_cents": cost_by_area.get(area_id, 0),
        }
        for area_id in sorted(
            set(minutes_by_area) | {k for k in cost_by_area if k is not None},
            key=lambda i: areas[i].name if i in areas else "",
        )
    ]
    for row in area_rows:  # per enrolled case, so that the areas add up to the cost per case
        row["cost_per_case_cents"] = _cents(Decimal(row["cost_cents"]) / len(case_ids)) if case_ids else None

    budget = contract.budget_cents
    outcomes: dict[str, int] = {}
    if window is not None and case_ids:
        for outcome in db.session.scalars(
            select(Case.outcome).where(
                Case.id.in_(case_ids), Case.closed_on >= window[0], Case.closed_on <= window[1]
            )
        ):
            key = outcome or "none"
            outcomes[key] = outcomes.get(key, 0) + 1

    approved: dict[int, dict] = {}
    for e in enrolments:
        for hours, used in approved_hours_use(e):
            row = approved.setdefault(hours.service_area_id, {"area": hours.area, "approved_minutes": 0,
                                                              "used_minutes": 0})
            row["approved_minutes"] += hours.minutes
            row["used_minutes"] += used

    return {
        "contract": contract,
        "period_from": period_from,
        "period_to": period_to,
        "window": window,
        "cases": len(case_ids),
        "case_months": case_months,
        "billing_periods": len(periods),
        "minutes": sum(minutes_by_area.values()),
        "areas": area_rows,
        "lines": lines,
        "total_cents": total,
        "cost_per_case_cents": _cents(Decimal(total) / len(case_ids)) if case_ids else None,
        "budget_cents": budget,
        "budget_share": (Decimal(total) / Decimal(budget)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if budget
        else None,
        "outcomes": outcomes,
        "closed_cases": sum(outcomes.values()),
        "approved_hours": sorted(approved.values(), key=lambda r: r["area"].name if r["area"] else ""),
    }


def default_period(contract: Contract, today: date) -> tuple[date, date]:
    """The contract's validity clipped to today (a period not yet begun: its first day)."""
    first = contract.valid_from or date(today.year, 1, 1)
    last = min(contract.valid_to, today) if contract.valid_to else today
    if last < first:
        last = first
    return first, last



# --- presentation helpers shared by the page and the PDF ----------------------------------------------------


def labels() -> dict:
    """Readable names for rate kinds and outcomes (in the user's language)."""
    from flask_babel import lazy_gettext as _l

    from cases.forms import OUTCOME_LABELS
    from contracts.forms import RATE_KIND_LABELS

    return {
        "kinds": dict(RATE_KIND_LABELS),
        "outcomes": {**OUTCOME_LABELS, "none": _l("No outcome recorded")},
    }


def percent(share: Decimal | None) -> str:
    from flask_babel import format_percent

    return "–" if share is None else format_percent(share, format="#,##0.0 %")


def hours_text(minutes: int | None) -> str:
    from flask_babel import format_decimal

    return format_decimal(Decimal(minutes or 0) / 60, format="#,##0.0")


def quantity_text(line: dict) -> str:
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    if line["kind"] == "per_case_month":
        return _("%(n)s case-months", n=format_decimal(line["quantity"], format="#,##0"))
    if line["kind"] == "per_unit":
        return _("%(h)s hours", h=format_decimal(line["quantity"], format="#,##0.0#"))
    return _("%(n)s billing periods", n=format_decimal(line["quantity"], format="#,##0"))


def line_label(line: dict, kinds: dict) -> str:
    parts = [str(kinds.get(line["kind"], line["kind"]))]
    if line["area"] is not None:
        parts.append(line["area"].name)
    if line["label"]:
        parts.append(line["label"])
    return " – ".join(parts)


def report_docx(report: dict) -> bytes:
    """The report as a .docx (python-docx), to be converted to PDF and sent to the agency."""
    import io

    from docx import Document
    from flask_babel import gettext as _

    from core.money import format_cents

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
