"""Bar charts rendered on the server as SVG: no JavaScript, nothing inline that the CSP would refuse.

A chart is a picture of a table that the page shows beside it: the table is what screen readers and exports read;
the SVG is one image (role="img") whose title and label say what it shows, numbers included. Bars are horizontal
with the label above each bar, so that long German names fit; a screen narrower than the chart scales it down.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from markupsafe import Markup, escape

WIDTH = 420  # px at its natural size (user units of the viewBox); a narrower box scales it down (KERN: max-width)
VALUE_SPACE = 100  # right of the longest bar: its value
BAR_HEIGHT = 16
LABEL_HEIGHT = 20
GAP = 10
LEGEND_HEIGHT = 26
FONT_SIZE = 14
LABEL_CHARS = 52  # longer labels are cut with "…" (the table beside gives them in full)
# KERN's dark blue and a brown, each at least 3:1 against white (WCAG 1.4.11, graphical objects)
COLOURS = ("#1f4aa8", "#a34f00")


@dataclass(frozen=True)
class Series:
    """One row of bars: a name (for the legend and the summary) and a value for each label of the chart."""

    name: str
    values: Sequence[Decimal | int]


def number_text(value: Decimal | int, places: int = 0, unit: str = "", locale: str = "de") -> str:
    """A number as people read it in `locale` (German: 1.234,5), with a fixed number of decimal places and unit."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    text = format_decimal(Decimal(value), format=pattern, locale=locale)
    return f"{text}\u00a0{unit}" if unit else text


def bar_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, places: int = 0, unit: str = "",
              locale: str = "de", chart_id: str = "chart") -> Markup:
    """An SVG of horizontal bars, one group per label and one bar per series, lengths proportional to the values
    (the largest value of the chart fills the width; negative values draw no bar). Its accessible name is the
    title followed by every label with its values, so that the picture says what the table says."""
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("each series needs one value per label")
    values = [[Decimal(v) for v in s.values] for s in series]
    top = max((v for row in values for v in row), default=Decimal(0))
    bar_room = WIDTH - VALUE_SPACE

    def text(value: Decimal) -> str:
        return number_text(value, places, unit, locale)

    legend = len(series) > 1
    y = LEGEND_HEIGHT if legend else 0
    parts: list[str] = []
    if legend:
        x = 0
        for index, s in enumerate(series):
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{COLOURS[index % len(COLOURS)]}"/>'
                         f'<text x="{x + 18}" y="15">{escape(_cut(s.name, 30))}</text>')
            x += 18 + 9 * min(len(s.name), 30) + 24
    for row, label in enumerate(labels):
        parts.append(f'<text x="0" y="{y + FONT_SIZE}" font-weight="600">{escape(_cut(label, LABEL_CHARS))}</text>')
        y += LABEL_HEIGHT
        for index, value_row in enumerate(values):
            value = value_row[row]
            width = _length(value, top, bar_room)
            parts.append(
                f'<rect x="0" y="{y}" width="{width:f}" height="{BAR_HEIGHT}" fill="{COLOURS[index % len(COLOURS)]}"'
                f' data-value="{value}"/>'
                f'<text x="{width + 6:f}" y="{y + BAR_HEIGHT - 3}">{escape(text(value))}</text>')
            y += BAR_HEIGHT + 4
        y += GAP
    height = max(y - GAP, 1)
    summary = "; ".join(
        f"{label}: " + ", ".join(f"{s.name} {text(row[i])}" if legend else text(row[i])
                                 for s, row in zip(series, values, strict=True))
        for i, label in enumerate(labels))
    name = f"{title}. {summary}" if summary else title
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img"'
        f' aria-label="{escape(name)}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
        f' font-size="{FONT_SIZE}" fill="currentColor">'
        f'<title>{escape(title)}</title>{"".join(parts)}</svg>')


def _length(value: Decimal, top: Decimal, room: int) -> Decimal:
    """The bar's length in user units (two decimals), proportional to value / top."""
    if top <= 0 or value <= 0:
        return Decimal("0.00")
    return (value / top * room).quantize(Decimal("0.01"))


def _cut(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def hours(minutes: int) -> Decimal:
    """Minutes as hours, to one decimal place (the tables' `hours`)."""
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"))


def euros(cents: int | None) -> Decimal:
    """Cents as euros (two decimal places)."""
    return (Decimal(cents or 0) / 100).quantize(Decimal("0.01"))
