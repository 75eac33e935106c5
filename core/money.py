"""Money is integer cents (EUR). One parser for what people type, one formatter for what they read."""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_EURO_INPUT = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d{1,2})?$|^-?\d+([,.]\d{1,2})?$")


def parse_euros(text: str) -> int:
    """'1.234,56' / '1234,56' / '1234.56' / '180' -> cents; ValueError for anything else."""
    value = (text or "").strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    if not _EURO_INPUT.match(value):
        raise ValueError(f"not an amount: {text!r}")
    if "," in value or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", value):  # German: dots group thousands
        value = value.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def format_cents(cents: int | None) -> str:
    """German money: 1234567 -> '12.345,67 €'."""
    if cents is None:
        return ""
    value = (Decimal(int(cents)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{text} €"


def cents_to_input(cents: int | None) -> str:
    """Cents as a form value: 18000 -> '180,00'."""
    if cents is None:
        return ""
    return format_cents(cents).removesuffix(" €")
