"""Demo data of network/: the funding agencies and partner organisations of Musterstadt, and which agency is
usually responsible for which service area."""

from core import signals
from network import services

DEMO_AGENCIES = [
    {
        "name": "Jobcenter Musterstadt",
        "kind": "jobcenter",
        "leitweg_id": "04011000-1234512345-06",
        "email": "rechnungen@jobcenter-musterstadt.de",
        "address": "Agenturstraße 5\n12345 Musterstadt",
        "contact": "Frau Berger, Team Markt & Integration",
    },
    {
        "name": "Agentur für Arbeit Musterstadt",
        "kind": "arbeitsagentur",
        "leitweg_id": "991-33333TEST-33",
        "email": "musterstadt@arbeitsagentur.example",
        "address": "Arbeitsweg 2\n12345 Musterstadt",
    },
    {
        "name": "Jugendamt Musterstadt",
        "kind": "jugendamt",
        "email": "jugendamt@musterstadt.example",
        "address": "Rathausplatz 3\n12345 Musterstadt",
        "contact": "Herr Yilmaz, Frühe Hilfen",
    },
    {
        "name": "Sozialamt Musterstadt",
        "kind": "sozialamt",
        "email": "sozialamt@musterstadt.example",
        "address": "Rathausplatz 3\n12345 Musterstadt",
    },
]


DEMO_PARTNERS = [
    {
        "name": "Kita Sonne & Mond gGmbH",
        "kind": "childcare",
        "email": "info@kita-sonne-mond.example",
        "address": "Gartenweg 4\n12345 Musterstadt",
        "contact": "Frau Klein",
    },
    {
        "name": "Bildungswerk Musterstadt e.V.",
        "kind": "training",
        "email": "kurse@bildungswerk.example",
        "address": "Schulstraße 12\n12345 Musterstadt",
    },
    {
        "name": "Beratungsstelle Lichtblick",
        "kind": "counselling",
        "email": "kontakt@lichtblick.example",
        "contact": "Herr Öztürk",
    },
]


# which funding agency is usually responsible for which service area in Musterstadt
AREA_AGENCIES = {
    "case_management": "jobcenter",
    "job_placement": "jobcenter",
    "qualification": "arbeitsagentur",
    "childcare": "jugendamt",
    "psychosocial": "jugendamt",
    "debt_counselling": "sozialamt",
    "housing": "sozialamt",
}


def seed_directory(tenant, users, actor, **_kwargs):
    for data in DEMO_AGENCIES:
        services.create_agency(data, actor)
    for data in DEMO_PARTNERS:
        services.create_partner(data, actor)
    agencies = {a.kind: a for a in services.list_agencies()}
    for area in services.list_service_areas():
        if kind := AREA_AGENCIES.get(area.code):
            services.set_area_agency(area, agencies.get(kind), actor)
    return [f"  {len(DEMO_AGENCIES)} funding agencies, {len(DEMO_PARTNERS)} partner organisations"]


def connect_signals() -> None:
    signals.demo_seeding.connect(seed_directory, weak=False)
