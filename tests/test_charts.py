"""Server-rendered SVG bar charts (core.charts): lengths proportional to the values, labels escaped, numbers in
German, one image with a name that says what it shows."""
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from core.charts import Series, bar_chart, euros, hours, number_text

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def _bars(svg: ET.Element) -> list[tuple[Decimal, Decimal]]:
    """(width, value) of each bar; the legend's squares carry no value."""
    return [(Decimal(r.get("width")), Decimal(r.get("data-value"))) for r in svg.iter(f"{SVG}rect")
            if r.get("data-value") is not None]


def test_bars_are_proportional_to_their_values():
    """Is the largest value the longest bar, and is every other bar as long as its share of it (half the value,
    half the length; zero and negative values no bar at all)?"""
    svg = _parse(bar_chart("Fälle", ["a", "b", "c", "d", "e"],
                           [Series("Fälle", [Decimal(40), Decimal(20), Decimal(10), 0, Decimal(-5)])]))
    widths = [w for w, _v in _bars(svg)]
    longest = widths[0]
    assert longest > 0
    assert widths == [longest, longest / 2, longest / 4, 0, 0]


def test_two_series_share_one_scale_and_have_a_legend():
    """With approved and used hours side by side, do both series use the same scale (4 of 10 hours is 40 % of the
    longest bar), in their own colour, with a legend naming them?"""
    svg = _parse(bar_chart("Bewilligt und genutzt", ["Beratung", "Kinderbetreuung"],
                           [Series("bewilligt", [Decimal(10), Decimal(5)]), Series("genutzt", [Decimal(4), 0])],
                           places=1, unit="h"))
    bars = _bars(svg)
    assert [v for _w, v in bars] == [10, 4, 5, 0]  # per label: approved, then used
    top = bars[0][0]
    assert bars[1][0] == top * Decimal("0.4") and bars[2][0] == top / 2
    fills = [r.get("fill") for r in svg.iter(f"{SVG}rect") if r.get("data-value") is not None]
    assert fills[0] == fills[2] != fills[1] == fills[3]
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[:2] == ["bewilligt", "genutzt"]


def test_labels_and_title_are_escaped():
    """Can a service area named like markup inject anything into the page (the SVG is inserted as it is)?"""
    evil = '<script>alert("x")</script> & "Co"'
    markup = str(bar_chart(f"Stunden {evil}", [evil], [Series("Stunden", [Decimal(1)])]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    svg = _parse(markup)
    assert svg.find(f"{SVG}title").text == f"Stunden {evil}"
    assert [t.text for t in svg.iter(f"{SVG}text")][0] == evil  # the text shown is the name, not markup


def test_numbers_are_german_and_the_image_says_what_it_shows():
    """Are values written as German readers expect (1.234,5 h; 12.345,67 €), and does the image (role img) carry
    a title and a name listing every label with its value?"""
    svg = _parse(bar_chart("Stunden nach Leistungsbereich", ["Beratung", "Bewerbungstraining"],
                           [Series("Stunden", [hours(74070), hours(228)])], places=1, unit="h"))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Stunden nach Leistungsbereich"
    assert svg.get("aria-label") == ("Stunden nach Leistungsbereich. Beratung: 1.234,5\u00a0h; "
                                     "Bewerbungstraining: 3,8\u00a0h")
    values = [t.text for t in svg.iter(f"{SVG}text")][1::2]
    assert values == ["1.234,5\u00a0h", "3,8\u00a0h"]
    money = _parse(bar_chart("Kosten", ["Vertrag"], [Series("Betrag", [euros(1234567)])], places=2, unit="€"))
    assert "12.345,67\u00a0€" in [t.text for t in money.iter(f"{SVG}text")]


def test_number_text_in_german_and_in_english():
    """Does the same number read 1.234,50 in German and 1,234.50 in English, rounded to the places asked?"""
    assert number_text(Decimal("1234.5"), 2) == "1.234,50"
    assert number_text(Decimal("1234.5"), 2, locale="en") == "1,234.50"
    assert number_text(7) == "7"
    assert number_text(Decimal("0.25"), 1, "h") == "0,2\u00a0h"  # half to even, as the tables round


def test_a_long_label_is_cut_in_the_picture_but_whole_in_its_name():
    """A very long name: is it cut with "…" inside the picture (it would run out of it) but given whole in the
    accessible name?"""
    long = "Psychosoziale Beratung und Begleitung " * 4
    svg = _parse(bar_chart("Stunden", [long], [Series("Stunden", [Decimal(2)])]))
    shown = [t.text for t in svg.iter(f"{SVG}text")][0]
    assert shown.endswith("…") and len(shown) <= 52
    assert long in svg.get("aria-label")


def test_an_empty_chart_and_a_wrong_series():
    """No labels: an empty but valid image; a series with a value missing is a programming error, not a chart."""
    svg = _parse(bar_chart("Nichts", [], [Series("Fälle", [])]))
    assert svg.get("aria-label") == "Nichts" and _bars(svg) == []
    with pytest.raises(ValueError):
        bar_chart("Falsch", ["a", "b"], [Series("Fälle", [1])])
