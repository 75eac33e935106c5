"""Demo data of cases/: single parents of Musterstadt, their consents and cases in every phase.

Dates are relative to the day of seeding, so the caseload always shows current work.
"""

from datetime import timedelta

from sqlalchemy import select

from cases import services
from core import clock, signals
from core.extensions import db
from network import services as network
from tenants.models import User

# client, children, phase reached, days since opening, needs, goals, services (days ago, minutes, area, note)
DEMO_CASES = [
    {
        "client": {
            "first_name": "Sabine",
            "last_name": "Krüger",
            "birth_year": 1989,
            "receives_sgb2": True,
            "employment_status": "long_term_unemployed",
            "education_level": "3",
        },
        "children": [2015, 2019],
        "phase": "active",
        "days": 60,
        "manager": "fatma",
        "needs": [
            ("childcare", "high", "Kein Betreuungsplatz für die Jüngere"),
            ("qualification", "medium", "Abgebrochene Ausbildung als Kauffrau"),
        ],
        "goals": [
            (
                "Kita-Platz für die Tochter sichern",
                "Anmeldung Kita Sonne & Mond",
                "partner",
                20,
                "in_progress",
            ),
            (
                "Teilzeitausbildung beginnen",
                "Beratung Bildungswerk, Antrag Bildungsgutschein",
                "client",
                45,
                "planned",
            ),
        ],
        "services": [
            (55, 90, "case_management", "Erstgespräch, Bedarfe aufgenommen"),
            (40, 60, "childcare", "Gespräch mit der Kita-Leitung"),
            (25, 45, "qualification", "Beratung zur Teilzeitausbildung"),
            (15, 90, "childcare", "Eingewöhnung in der Kita begleitet"),
            (10, 30, "case_management", "Telefonat Jobcenter (mit Einwilligung)"),
            (3, 60, "case_management", "Hilfeplangespräch"),
        ],
        "refer": "Kita Sonne & Mond gGmbH",
    },
    {
        "client": {
            "first_name": "Aylin",
            "last_name": "Demir",
            "birth_year": 1994,
            "receives_sgb2": True,
            "employment_status": "unemployed",
            "education_level": "2",
        },
        "children": [2020],
        "phase": "planning",
        "days": 21,
        "manager": "fatma",
        "needs": [("debt_counselling", "high", "Mietschulden, Mahnungen"), ("job_placement", "medium", "")],
        "goals": [("Schuldenübersicht erstellen", "Termin Schuldnerberatung", "partner", -5, "planned")],
        "services": [
            (20, 75, "case_management", "Erstgespräch"),
            (12, 40, "debt_counselling", "Unterlagen gesichtet"),
        ],
    },
    {
        "client": {
            "first_name": "Jana",
            "last_name": "Wolff",
            "birth_year": 1998,
            "receives_sgb2": False,
            "employment_status": "inactive",
            "education_level": "3",
        },
        "children": [2022, 2024],
        "phase": "assessment",
        "days": 8,
        "manager": "felix",
        "needs": [("psychosocial", "medium", "Belastung nach Trennung")],
        "services": [
            (7, 60, "case_management", "Erstgespräch"),
            (2, 30, "psychosocial", "Vermittlung Beratungsstelle"),
        ],
    },
    {
        "client": {
            "first_name": "Olga",
            "last_name": "Petrenko",
            "birth_year": 1986,
            "receives_sgb2": True,
            "employment_status": "unemployed",
            "education_level": "6",
        },
        "children": [2012],
        "phase": "intake",
        "days": 2,
        "manager": "felix",
    },
    {
        "client": {
            "first_name": "Nicole",
            "last_name": "Becker",
            "birth_year": 1991,
            "receives_sgb2": True,
            "employment_status": "long_term_unemployed",
            "education_level": "3",
        },
        "children": [2014, 2017],
        "phase": "closed",
        "days": 200,
        "manager": "fatma",
        "outcome": "employment",
        "esf": "employed",
        "closed_days": 20,
        "needs": [
            ("childcare", "high", "Randzeitenbetreuung"),
            ("job_placement", "high", "Rückkehr in den Einzelhandel"),
        ],
        "goals": [
            ("Randzeitenbetreuung organisieren", "Tagesmutter gefunden", "case_manager", 150, "done"),
            ("Arbeitsaufnahme im Einzelhandel", "Bewerbungen, Probearbeit", "client", 40, "done"),
        ],
        "services": [
            (195, 90, "case_management", "Erstgespräch"),
            (170, 60, "childcare", "Tagespflege vermittelt"),
            (150, 90, "childcare", "Randzeitenbetreuung mit der Tagesmutter abgestimmt"),
            (120, 45, "job_placement", "Bewerbungstraining"),
            (100, 60, "childcare", "Ferienbetreuung vermittelt"),
            (75, 45, "childcare", "Vertretung der Tagesmutter geregelt"),
            (60, 30, "job_placement", "Nachbereitung Probearbeit"),
            (25, 45, "case_management", "Abschlussgespräch"),
        ],
    },
    {
        "client": {
            "first_name": "Miriam",
            "last_name": "Schulz",
            "birth_year": 1990,
            "receives_sgb2": True,
            "employment_status": "unemployed",
            "education_level": "4",
        },
        "children": [2016, 2021],
        "phase": "evaluation",
        "days": 175,
        "manager": "felix",
        "needs": [
            ("childcare", "high", "Nachmittagsbetreuung für den Jüngeren fehlt"),
            ("job_placement", "medium", "Wiedereinstieg als Pflegehelferin in Teilzeit"),
        ],
        "goals": [
            ("Nachmittagsbetreuung sichern", "Hortplatz und Tagespflege", "partner", 60, "done"),
            ("Wiedereinstieg in Teilzeit", "Bewerbungen bei Pflegediensten", "client", 30, "in_progress"),
        ],
        "services": [
            (170, 90, "case_management", "Erstgespräch, Bedarfe aufgenommen"),
            (150, 120, "childcare", "Tagespflege gesucht und vermittelt"),
            (120, 60, "childcare", "Eingewöhnung bei der Tagesmutter begleitet"),
            (95, 45, "job_placement", "Bewerbungsunterlagen überarbeitet"),
            (85, 90, "childcare", "Ferienbetreuung organisiert"),
            (55, 60, "childcare", "Hortplatz beantragt"),
            (30, 45, "case_management", "Zwischenbilanz"),
            (12, 60, "childcare", "Randzeiten mit dem Hort abgestimmt"),
            (5, 30, "case_management", "Auswertung mit der Klientin"),
        ],
    },
]

PHASES = ("assessment", "planning", "active", "evaluation")


# the partner responsible for a goal (a goal "by a partner" names which one)
GOAL_PARTNERS = {
    "Kita-Platz für die Tochter sichern": "Kita Sonne & Mond gGmbH",
    "Schuldenübersicht erstellen": "Beratungsstelle Lichtblick",
    "Nachmittagsbetreuung sichern": "Kita Sonne & Mond gGmbH",
}

def seed_cases(tenant, users, actor, **_kwargs):
    today = clock.today()
    partners = network.list_partners_by_name()
    jobcenter = next((a for a in network.list_agencies() if a.kind == "jobcenter"), None)
    managers = {
        "fatma": users["case_manager"].id,
        "felix": db.session.scalar(select(User.id).where(User.email == "fallmanager@demo.buendnisnetz.de")),
    }
    for spec in DEMO_CASES:
        opened = today - timedelta(days=spec["days"])
        client = services.create_client(
            {**spec["client"], "children": [{"birth_year": y} for y in spec["children"]]}, actor
        )
        if jobcenter is not None:
            services.create_consent(
                client,
                {
                    "agency_id": jobcenter.id,
                    "purposes": "Abstimmung der Eingliederung in Arbeit (§ 16 SGB II)",
                    "data_items": ["identity", "needs", "support_plan", "progress", "outcome"],
                    "given_on": opened,
                    "expires_on": opened + timedelta(days=730),
                },
                actor,
            )
        case = services.create_case(
            {
                "client_id": client.id,
                "case_manager_id": managers[spec["manager"]] or managers["fatma"],
                "opened_on": opened,
                "next_review_on": today + timedelta(days=14 if spec["days"] < 30 else -3),
            },
            actor,
        )
        target = spec["phase"]
        # walk the phases up to the target (a closed case was active first; an intake case stays put)
        steps = PHASES[:3] if target == "closed" else PHASES[: PHASES.index(target) + 1] if target in PHASES else ()
        for phase in steps:
            services.update_case(case, {"status": phase}, actor)
        for area, priority, note in spec.get("needs", []):
            services.add_need(case, {"service_area": area, "priority": priority, "note": note}, actor)
        for title, measure, responsible, due, status in spec.get("goals", []):
            due_on = (opened if target == "closed" else today) + timedelta(days=due)
            partner = partners[GOAL_PARTNERS[title]] if responsible == "partner" else None
            goal = services.add_goal(
                case,
                {"title": title, "measure": measure, "responsible": responsible, "due_on": due_on,
                 "partner_id": partner.id if partner else None},
                actor,
            )
            for step in {"in_progress": ["in_progress"], "done": ["in_progress", "done"]}.get(status, []):
                services.update_goal(case, goal, {"status": step}, actor)
        if spec.get("goals"):
            services.approve_plan(case, actor, on=opened + timedelta(days=min(spec["days"], 14)))
        if partner_name := spec.get("refer"):
            partner = partners[partner_name]
            services.create_consent(
                client,
                {
                    "partner_id": partner.id,
                    "purposes": "Vermittlung eines Kita-Platzes",
                    "data_items": ["identity", "household", "needs"],
                    "given_on": opened,
                },
                actor,
            )
            services.refer(
                case,
                {
                    "partner_id": partner.id,
                    "reason": "Betreuungsplatz ab nächstem Monat",
                    "referred_on": opened + timedelta(days=15),
                },
                actor,
            )
        for days_ago, minutes, area, note in spec.get("services", []):
            services.add_service_entry(
                case,
                {
                    "on": today - timedelta(days=days_ago),
                    "minutes": minutes,
                    "service_area": area,
                    "note": note,
                    "staff_user_id": case.case_manager_id,
                },
                actor,
            )
        if target == "closed":
            services.update_case(
                case,
                {
                    "status": "closed",
                    "outcome": spec["outcome"],
                    "esf_exit_status": spec["esf"],
                    "closed_on": today - timedelta(days=spec["closed_days"]),
                },
                actor,
            )
    db.session.flush()
    return [
        f"  {len(DEMO_CASES)} clients with children, consents for the Jobcenter, cases in every phase "
        "(one closed with employment taken up)"
    ]


def connect_signals() -> None:
    signals.demo_seeding.connect(seed_cases, weak=False)
