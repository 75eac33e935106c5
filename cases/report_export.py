"""The funders' report as people read it in a spreadsheet: German headings and labels, German dates and decimal
commas in CSV, real numbers in XLSX. The page and the downloads use the same labels."""
from datetime import date
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from cases.forms import EMPLOYMENT_LABELS, ESF_EXIT_LABELS, OUTCOME_LABELS

PERCENT = {("cases", "integration_rate")}  # a share (0 to 1) that people read in per cent, as the page shows it
HEADER = (_l("Section"), _l("Indicator"), _l("Value"))
KEY_HEADER = ("section", "indicator", "value")  # `?header=keys`: stable keys and codes, for scripts
SECTIONS = {
    "period": _l("Period"),
    "cases": _l("Cases"),
    "closures_by_outcome": _l("Closures by outcome"),
    "esf_exit_status": _l("ESF+ status at exit"),
    "esf_entry_employment": _l("ESF+ employment status at entry"),
    "esf_entry": _l("ESF+ indicators"),
    "hours_by_service_area": _l("Hours by service area"),
}
KEYS = {
    "period": {"from": _l("From"), "to": _l("To")},
    "cases": {"active": _l("Active cases"), "new": _l("New cases"), "closed": _l("Closed cases"),
              "integration_rate": _l("Integration rate in % (closures with employment taken up)")},
    "closures_by_outcome": {**OUTCOME_LABELS, "none": _l("No outcome recorded")},
    "esf_exit_status": {**ESF_EXIT_LABELS, "none": _l("Unknown")},
    "esf_entry_employment": {**EMPLOYMENT_LABELS, "none": _l("Unknown")},
    "esf_entry": {"receives_sgb2": _l("New clients receiving SGB II benefits")},
}


def readable_rows(rows, *, for_csv: bool) -> list[tuple]:
    """(section, key, value) codes → labels; shares in per cent (1.0 → 100,0 under a label "in %"); dates as
    31.12.2026 in CSV and as date cells in XLSX; in CSV numbers with a decimal comma."""
    out = []
    for section, key, value in rows:
        label = KEYS.get(section, {}).get(key, key)  # service areas are named already
        if (section, key) in PERCENT and isinstance(value, int | float | Decimal):
            value = round(float(value) * 100, 1)
        if isinstance(value, str) and len(value) == 10 and value[4] == "-":
            value = date.fromisoformat(value)
            if for_csv:
                value = value.strftime("%d.%m.%Y")
        elif for_csv and isinstance(value, float | Decimal):
            value = format_decimal(value, format="#,##0.0##")  # in the reader's language: 2,5 in German
        out.append((str(SECTIONS.get(section, section)), str(label), value))
    return out
