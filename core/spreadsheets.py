"""CSV and XLSX downloads that a spreadsheet opens as data, never as formulas (OWASP "CSV injection").

A cell that begins with `=`, `+`, `-`, `@`, tab or CR would run as a formula (e.g. `=HYPERLINK(…)` in a service
area's name); such text gets a leading apostrophe in CSV and is stored as text in XLSX.
"""
import csv
import io
from datetime import date

DATE_FORMAT = "DD.MM.YYYY"  # how a date cell shows, as German readers write dates

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: list, rows) -> str:
    """`;`-separated with a BOM, as German Excel opens it directly."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([neutral(v) for v in header])
    writer.writerows([neutral(v) for v in row] for row in rows)
    return "\ufeff" + out.getvalue()


def xlsx_bytes(title: str, header: list, rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for values in (header, *rows):
        sheet.append(list(values))
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # openpyxl makes every string that starts with "=" a formula
                cell.data_type = "s"
            elif isinstance(cell.value, date):  # a real date cell (sortable, filterable), shown 31.12.2026
                cell.number_format = DATE_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
