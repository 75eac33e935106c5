"""The worked example (tests/billing/conftest.py), computed by hand to the cent, through preview and runs.

October 2026, contract A (Jobcenter, 19 % VAT):
  case-months: cases 1 (from 10 Oct), 2 (until 15 Oct), 3: 3 × 180,00 €                 =   540,00 €
  qualification: case 1 90 + 45 min = 2,25 h × 40,00 € = 90,00 €; case 2 50 min = 33,333… → 33,33 €
                                                                                          =   123,33 €
  childcare: none (case 2's goes to B by its need, case 3's is ambiguous)
  net 663,33 €; VAT 19 % = 126,0327 → 126,03 €; gross 789,36 €
October 2026, contract B (Jugendamt, pro-rated days, exempt, budget 300,00 €):
  case-months: case 2 31/31 × 120,00 = 120,00; case 3 120,00; case 4 14/31 × 120,00 = 54,1935… → 54,19 €
  childcare: case 2 100 min = 50,00 €; psychosocial: case 2 30 min = 25,00 €, case 4 20 min = 16,666… → 16,67 €
  sum 385,86 € → cut by 85,86 € to the budget: net = gross = 300,00 €
Q4 2026, contract C (Sozialamt, quarterly): coordination 1.500,00 € + debt counselling 90 min × 60,00 € = 90,00 €
  = 1.590,00 €.
Left out in October: case 1 on 5 Oct (no enrolment), case 1's housing (D only signed), case 2's qualification on
20 Oct (no rate under B), case 3's childcare (ambiguous); in November case 4's counselling (budget exhausted).
"""
from decimal import Decimal

from sqlalchemy import select

OCTOBER_A = {"net_cents": 66333, "tax_cents": 12603, "gross_cents": 78936, "budget_cut_cents": 0}
OCTOBER_B = {"net_cents": 30000, "tax_cents": 0, "gross_cents": 30000, "budget_cut_cents": 8586}


def _lines(lines):
    return [(line.kind, line.quantity, line.unit_cents, line.amount_cents) for line in lines]


def _run(period):
    from billing import services
    from core.audit import Actor
    from core.extensions import db

    run = services.start_run(period, Actor(user_id=None, label="test"))
    db.session.commit()  # the run's tasks start once the run is committed (eager here)
    db.session.expire_all()
    return services.get_run(run.id)


def test_preview_matches_the_hand_computation(app, tenant_a, example):
    """Does the preview price both agencies' contracts to the cent, with the budget cut, and list each entry left
    out with its reason?"""
    from billing.services import parse_period, plan_period

    with app.app_context(), tenant_a.context():
        plan = plan_period(parse_period("2026-10"))
        by_contract = {p.contract.id: p for p in plan.invoices}
        assert set(by_contract) == {example.contracts["A"], example.contracts["B"]}
        a, b = by_contract[example.contracts["A"]], by_contract[example.contracts["B"]]
        assert (a.net_cents, a.tax_cents, a.gross_cents, a.budget_cut_cents) == tuple(OCTOBER_A.values())
        assert _lines(a.lines) == [("per_case_month", Decimal(3), 18000, 54000),
                                   ("per_unit", Decimal("3.0833"), 4000, 12333)]
        assert (b.net_cents, b.tax_cents, b.gross_cents, b.budget_cut_cents) == tuple(OCTOBER_B.values())
        assert _lines(b.lines) == [("per_case_month", Decimal(3), 12000, 12000 + 12000 + 5419),
                                   ("per_unit", Decimal("1.6667"), 3000, 5000),
                                   ("per_unit", Decimal("0.8333"), 5000, 2500 + 1667),
                                   ("budget_cut", Decimal(1), -8586, -8586)]
        # each entry carries its share of its line, and the shares add up to the line
        entry_cents = {c.service_entry_id: c.amount_cents for c in a.charges() + b.charges() if c.service_entry_id}
        e = example.entries
        assert entry_cents == {e["1-q1"]: 6000, e["1-q2"]: 3000, e["2-q"]: 3333, e["2-child"]: 5000,
                               e["2-psy"]: 2500, e["4-psy"]: 1667}
        reasons = {u.entry_id: u.reason for u in plan.unbilled}
        assert reasons == {e["1-early"]: "no_enrolment", e["1-housing"]: "contract_not_active",
                           e["2-late-q"]: "no_rate", e["3-child"]: "ambiguous_funder"}
        ambiguous = next(u for u in plan.unbilled if u.reason == "ambiguous_funder")
        assert set(ambiguous.contract_ids) == {example.contracts["A"], example.contracts["B"]}


def test_runs_create_the_drafts_once_and_the_quarter_and_budget_follow(app, tenant_a, example):
    """Does a run write exactly the previewed drafts, a second run change nothing, the quarterly contract bill in
    the quarter's run, and November find B's budget exhausted?"""
    from billing.models import Charge, Invoice

    with app.app_context(), tenant_a.context():
        from core.extensions import db

        run = _run("2026-10")
        assert run.status == "done" and run.steps_done == run.steps_total == 2
        invoices = {i.contract_id: i for i in db.session.scalars(select(Invoice))}
        assert set(invoices) == {example.contracts["A"], example.contracts["B"]}
        a = invoices[example.contracts["A"]]
        assert {k: getattr(a, k) for k in OCTOBER_A} == OCTOBER_A and a.state == "draft" and a.number is None
        b = invoices[example.contracts["B"]]
        assert {k: getattr(b, k) for k in OCTOBER_B} == OCTOBER_B
        assert sorted(run.invoice_ids) == sorted([a.id, b.id])
        assert {u["reason"] for u in run.unbilled} == {"no_enrolment", "contract_not_active", "no_rate",
                                                      "ambiguous_funder"}
        charges = db.session.execute(select(Charge.key, Charge.amount_cents).order_by(Charge.key)).all()

        again = _run("2026-10")
        assert again.id != run.id and again.status == "done"
        assert sorted(again.invoice_ids) == sorted([a.id, b.id])  # the same drafts, rewritten to the same
        assert db.session.execute(select(Charge.key, Charge.amount_cents).order_by(Charge.key)).all() == charges

        quarter = _run("2026-Q4")
        [c] = db.session.scalars(select(Invoice).where(Invoice.contract_id == example.contracts["C"])).all()
        assert (c.period, c.net_cents, c.gross_cents) == ("2026-Q4", 159000, 159000)
        assert quarter.invoice_ids == [c.id]

        november = _run("2026-11")
        assert [(u["entry_id"], u["reason"]) for u in november.unbilled] == [
            (example.entries["4-nov"], "budget_exhausted")]
        assert not db.session.scalars(select(Invoice).where(Invoice.contract_id == example.contracts["B"],
                                                            Invoice.period == "2026-11")).all()
