"""Factories for contract tests: a complete agreement payload (the agency comes from tests/conftest.py)."""

def contract_payload(agency_id: int, **overrides) -> dict:
    """A complete agreement (passes the completeness check) with three rate lines."""
    data = {
        "agency_id": agency_id,
        "title": "Fallmanagement für Alleinerziehende 2027",
        "legal_basis": "sgb2_16a",
        "scope": "Fallmanagement für bis zu 40 alleinerziehende Leistungsberechtigte.",
        "quality": "Sozialpädagogische Fachkräfte; Fallzahl höchstens 35 je Vollzeitstelle.",
        "efficiency_review": "Halbjährlicher Bericht über Fälle, Stunden und Kosten je Fall.",
        "efficiency_indicators": "Integrationsquote, Kosten je Fall",
        "review_interval_months": 6,
        "notification_duties": "Abbrüche und Arbeitsaufnahmen werden binnen einer Woche mitgeteilt.",
        "termination": "Kündigung aus wichtigem Grund jederzeit.",
        "notice_period_months": 3,
        "valid_from": "2027-01-01",
        "valid_to": "2027-12-31",
        "billing_cycle": "monthly",
        "budget_cents": 12_000_000,
        "vat": "exempt",
        "rates": [
            {"kind": "per_case_month", "service_area": "case_management", "amount_cents": 18000},
            {"kind": "per_unit", "service_area": "childcare", "amount_cents": 3250},
            {"kind": "per_period", "service_area": None, "amount_cents": 50000, "label": "Koordination"},
        ],
    }
    data.update(overrides)
    return data
