"""Demo data of contracts/: the default template, three agreements in different states, funding approvals."""

from datetime import date

from sqlalchemy import select

from cases.models import Case
from contracts import services
from contracts.models import Contract
from core import signals
from core.audit import Actor
from core.extensions import db
from network import services as network

COMMON_TERMS = {
    "quality": "Sozialpädagogische Fachkräfte (Diplom/Bachelor Soziale Arbeit) mit Erfahrung in der Arbeit "
    "mit Alleinerziehenden; höchstens 35 Fälle je Vollzeitstelle; Fallbesprechung und Supervision monatlich.",
    "efficiency_review": "Der Träger legt zu jedem Berichtstermin einen Bericht über Fälle, Stunden und "
    "Kosten je Fall und Leistungsbereich, ausgeschöpftes Budget und Ergebnisse vor. Die Parteien prüfen "
    "gemeinsam die Wirtschaftlichkeit und Qualität.",
    "efficiency_indicators": "Integrationsquote, Abbruchquote, Kosten je Fall, Betreuungsstunden je Fall",
    "review_interval_months": 6,
    "notification_duties": "Der Träger teilt Arbeitsaufnahmen, Abbrüche und längere Ausfälle einer "
    "Teilnehmerin binnen einer Woche mit; Änderungen beim Personal binnen eines Monats.",
    "termination": "Die Vereinbarung kann aus wichtigem Grund ohne Frist gekündigt werden, insbesondere bei "
    "wiederholter Verletzung der Mitteilungspflichten.",
    "notice_period_months": 3,
}


def seed_contracts(tenant, users, actor):
    services.ensure_default_template(tenant.id)
    partners = network.list_partners_by_name()
    agencies = {a.kind: a for a in network.list_agencies()}
    finance = users.get("finance")
    drafter = Actor(user_id=finance.id, role="finance", label=finance.email) if finance else actor
    owner = users["owner"]
    approver = Actor(user_id=owner.id, role="owner", label=owner.email)

    active = services.create_contract(
        {
            **COMMON_TERMS,
            "agency_id": agencies["jobcenter"].id,
            "title": "Fallmanagement für Alleinerziehende 2026",
            "legal_basis": "sgb2_16a",
            "valid_from": date(2026, 1, 1),
            "valid_to": date(2026, 12, 31),
            "next_review_on": date(2026, 12, 31),
            "billing_cycle": "monthly",
            "budget_cents": 15_000_000,
            "scope": "Fallmanagement aus einer Hand für bis zu 60 alleinerziehende Leistungsberechtigte nach "
            "dem SGB II: Bedarfsermittlung, Unterstützungsplan, Koordination von Kinderbetreuung, "
            "Qualifizierung und Beratung.",
            "partner_ids": [partners["Kita Sonne & Mond gGmbH"].id, partners["Beratungsstelle Lichtblick"].id],
            "rates": [
                {"kind": "per_case_month", "service_area": "case_management", "amount_cents": 18000},
                {"kind": "per_unit", "service_area": "childcare", "amount_cents": 3250},
                {"kind": "per_period", "label": "Koordination des Netzwerks", "amount_cents": 85000},
            ],
        },
        drafter,
        tenant.id,
    )
    for to, on in (
        ("in_review", date(2025, 11, 10)),
        ("approved", date(2025, 11, 14)),
        ("sent", date(2025, 11, 17)),
        ("signed", date(2025, 12, 3)),
        ("active", date(2026, 1, 1)),
    ):
        services.transition(active, to, drafter if to == "in_review" else approver, on=on)

    sent = services.create_contract(
        {
            **COMMON_TERMS,
            "agency_id": agencies["jugendamt"].id,
            "title": "Kinderbetreuung in Randzeiten 2027",
            "legal_basis": "sgb8_77_78a",
            "valid_from": date(2027, 1, 1),
            "valid_to": date(2027, 12, 31),
            "billing_cycle": "quarterly",
            "budget_cents": 6_000_000,
            "scope": "Ergänzende Kinderbetreuung in Randzeiten (6–8 Uhr, 17–20 Uhr) für Kinder von "
            "Alleinerziehenden in Ausbildung oder Arbeit, vermittelt über das Fallmanagement.",
            "partner_ids": [partners["Kita Sonne & Mond gGmbH"].id],
            "rates": [
                {"kind": "per_unit", "service_area": "childcare", "amount_cents": 2800},
                {"kind": "per_unit", "service_area": "psychosocial", "amount_cents": 5500},
                {"kind": "per_case_month", "service_area": "case_management", "amount_cents": 9500},
            ],
        },
        drafter,
        tenant.id,
    )
    for to, on in (
        ("in_review", date(2026, 10, 5)),
        ("approved", date(2026, 10, 9)),
        ("sent", date(2026, 10, 12)),
    ):
        services.transition(sent, to, drafter if to == "in_review" else approver, on=on)

    services.create_contract(
        {
            **COMMON_TERMS,
            "notification_duties": "",
            "agency_id": agencies["arbeitsagentur"].id,
            "title": "Qualifizierung in Teilzeit 2027",
            "legal_basis": "sgb2_16_sgb3_45",
            "valid_from": date(2027, 4, 1),
            "valid_to": date(2028, 3, 31),
            "billing_cycle": "monthly",
            "budget_cents": None,
            "scope": "Begleitung von Teilzeitqualifizierungen für Alleinerziehende.",
            "partner_ids": [partners["Bildungswerk Musterstadt e.V."].id],
            "rates": [
                {"kind": "per_case_month", "service_area": "case_management", "amount_cents": 12000},
                {"kind": "per_unit", "service_area": "qualification", "amount_cents": 4500},
                {"kind": "per_period", "label": "Netzwerktreffen", "amount_cents": 30000},
            ],
        },
        drafter,
        tenant.id,
    )
    return [
        "  the default contract template",
        "  3 contracts: active (Jobcenter), sent (Jugendamt), draft (Agentur für Arbeit)",
    ]


def seed_enrolments(tenant, users, actor):
    """Funding approvals: every demo case under the active Jobcenter agreement, with approved childcare hours."""
    contract = db.session.scalar(select(Contract).where(Contract.status == "active").order_by(Contract.id))
    if contract is None:
        return []
    count = 0
    for case in db.session.scalars(select(Case).order_by(Case.id)):
        from_on = max(case.opened_on, contract.valid_from)
        to_on = min(case.closed_on or contract.valid_to, contract.valid_to)
        if from_on > to_on:
            continue
        services.enrol_case(
            case.id,
            {"contract_id": contract.id, "from_on": from_on, "to_on": to_on, "approved_hours": {"childcare": 40}},
            actor,
        )
        count += 1
    return [f"  {count} funding approvals under “{contract.title}”"]


def seed_demo(tenant, users, actor, **_kwargs):
    return seed_contracts(tenant, users, actor) + seed_enrolments(tenant, users, actor)


def connect_signals() -> None:
    signals.demo_seeding.connect(seed_demo, weak=False)
