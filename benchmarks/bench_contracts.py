"""What rendering a contract costs: .docx per contract (sandboxed docxtpl) and PDF per contract (LibreOffice).

    .venv/bin/python benchmarks/bench_contracts.py [CONTRACTS] [PDF_CONVERSIONS]

Baselines measured in the same run: docxtpl's default (unsandboxed, no autoescape) environment on the same
template
and context, and LibreOffice converting an empty .docx (its start-up cost). Prints milliseconds and the
ratios.
"""

import io
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _median_ms(fn, rounds: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    n_contracts = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    n_pdf = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ["STORAGE_DIR"] = tempfile.mkdtemp()
    import docx
    from docxtpl import DocxTemplate
    from flask_migrate import upgrade

    from contracts import rendering, services
    from core import clock, conversion
    from core.app import create_app
    from core.audit import Actor
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from network import services as network
    from tenants import services as tenant_services

    app = create_app()
    actor = Actor.system("bench")
    with app.app_context():
        upgrade()
        owner = tenant_services.create_user("bench@example.org", "long enough password")
        tenant = tenant_services.create_tenant("bench", "Bündnis Bench", owner, actor)
        with tenant_context(tenant.id):
            agency = network.create_agency({"name": "Jobcenter Bench & Co", "kind": "jobcenter"}, actor)
            contracts = []
            for i in range(n_contracts):
                contracts.append(
                    services.create_contract(
                        {
                            "agency_id": agency.id,
                            "title": f"Vertrag {i}",
                            "scope": "Fallmanagement " * 20,
                            "quality": "Fachkräfte",
                            "efficiency_review": "Bericht",
                            "notification_duties": "binnen 7 Tagen",
                            "rates": [
                                {
                                    "kind": "per_case_month",
                                    "service_area": "case_management",
                                    "amount_cents": 18000,
                                },
                                {"kind": "per_unit", "service_area": "childcare", "amount_cents": 3250},
                                {"kind": "per_period", "label": "Koordination", "amount_cents": 50000},
                            ],
                        },
                        actor,
                        tenant.id,
                    )
                )
            db.session.commit()
            template = services.DEFAULT_TEMPLATE_PATH.read_bytes()
            contexts = [rendering.contract_context(c, tenant, clock.today()) for c in contracts]

            def ours():
                for ctx in contexts:
                    rendering.render_docx(template, ctx)

            def baseline():
                for ctx in contexts:
                    doc = DocxTemplate(io.BytesIO(template))
                    doc.render(ctx)
                    doc.save(io.BytesIO())

            docx_ours = _median_ms(ours, 3) / n_contracts
            docx_base = _median_ms(baseline, 3) / n_contracts
            rendered = rendering.render_docx(template, contexts[0])

    empty = io.BytesIO()
    docx.Document().save(empty)
    pdf_ours = _median_ms(lambda: conversion.docx_to_pdf(rendered), n_pdf)
    pdf_base = _median_ms(lambda: conversion.docx_to_pdf(empty.getvalue()), n_pdf)

    print(f"docx rendering per contract ({n_contracts} contracts, 3 rate lines each)")
    print(f"  sandboxed child process (ours): {docx_ours:7.1f} ms")
    print(f"  docxtpl default (baseline):    {docx_base:8.1f} ms")
    print(f"  ratio ours/baseline:           {docx_ours / docx_base:8.2f}")
    print(f"PDF conversion per contract (LibreOffice headless, median of {n_pdf})")
    print(f"  rendered contract (ours):      {pdf_ours:8.1f} ms")
    print(f"  empty .docx (baseline):        {pdf_base:8.1f} ms")
    print(f"  ratio ours/baseline:           {pdf_ours / pdf_base:8.2f}")


if __name__ == "__main__":
    main()
