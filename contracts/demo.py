"""Demo data of contracts/: the funding agencies of Musterstadt."""
from contracts import services
from tenants.demo import DEMO_SEEDERS

DEMO_AGENCIES = [
    {"name": "Jobcenter Musterstadt", "kind": "jobcenter", "leitweg_id": "04011000-1234512345-06",
     "email": "rechnungen@jobcenter-musterstadt.de", "address": "Agenturstraße 5\n12345 Musterstadt",
     "contact": "Frau Berger, Team Markt & Integration"},
    {"name": "Agentur für Arbeit Musterstadt", "kind": "arbeitsagentur", "leitweg_id": "991-33333TEST-33",
     "email": "musterstadt@arbeitsagentur.example", "address": "Arbeitsweg 2\n12345 Musterstadt"},
    {"name": "Jugendamt Musterstadt", "kind": "jugendamt", "email": "jugendamt@musterstadt.example",
     "address": "Rathausplatz 3\n12345 Musterstadt", "contact": "Herr Yilmaz, Frühe Hilfen"},
    {"name": "Sozialamt Musterstadt", "kind": "sozialamt", "email": "sozialamt@musterstadt.example",
     "address": "Rathausplatz 3\n12345 Musterstadt"},
]


def seed_agencies(tenant, users, actor):
    for data in DEMO_AGENCIES:
        services.create_agency(data, actor)
    return [f"  {len(DEMO_AGENCIES)} funding agencies"]


DEMO_SEEDERS.append(seed_agencies)
