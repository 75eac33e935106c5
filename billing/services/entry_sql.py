"""The per-entry part of billing in SQL: which contract bills each entry, each entry's cents, the entries left out.

The rules are those of the pure modules (`billing.funders.choose`, `billing.rating.allocate`, half-up rounding
once per case and area); here they run where the rows are, so a run of 100,000 entries reads a handful of
aggregates and writes its charges with one INSERT … SELECT. tests/billing/test_entry_sql.py holds both
implementations to the same answers. Every table is filtered by tenant explicitly: an INSERT … SELECT passes the
ORM wall's SELECT filter by, and SQLite has no row-level security behind it.
"""

from datetime import date

from sqlalchemy import and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.types import String

from billing.funders import BILLABLE_STATES
from cases.models import Need, ServiceEntry
from contracts.models import Contract, ContractStep, Enrolment, RateLine
from core.extensions import db
from core.tenancy.context import current_tenant_id
from network.models import ServiceArea


def _ends(tenant_id: int):
    """The day each ended contract ended (a termination may come before its validity's end)."""
    return (select(ContractStep.contract_id, func.max(ContractStep.effective_on).label("ended_on"))
            .where(ContractStep.tenant_id == tenant_id, ContractStep.to_status == "ended")
            .group_by(ContractStep.contract_id).subquery("ends"))


def _unit_rates(tenant_id: int):
    """One hourly rate per contract and area (the first line, should a contract have two)."""
    first = (select(func.min(RateLine.id).label("id"))
             .where(RateLine.tenant_id == tenant_id, RateLine.kind == "per_unit",
                    RateLine.service_area_id.is_not(None))
             .group_by(RateLine.contract_id, RateLine.service_area_id))
    return (select(RateLine.id, RateLine.contract_id, RateLine.service_area_id, RateLine.amount_cents)
            .where(RateLine.tenant_id == tenant_id, RateLine.id.in_(first)).subquery("unit_rates"))


def _in_force(ends, day):
    return and_(Contract.status.in_(BILLABLE_STATES),
                or_(Contract.valid_from.is_(None), Contract.valid_from <= day),
                or_(Contract.valid_to.is_(None), Contract.valid_to >= day),
                or_(Contract.status != "ended", ends.c.ended_on.is_(None), day <= ends.c.ended_on))


def _unbilled_entries(tenant_id: int, first: date, last: date):
    return and_(ServiceEntry.tenant_id == tenant_id, ServiceEntry.on >= first, ServiceEntry.on <= last,
                ServiceEntry.billed_at.is_(None))


def chosen(first: date, last: date, contract_id: int | None = None):
    """Per unbilled entry in [first, last] the contract that bills it, with its rate line: the one candidate in
    force (enrolled that day, an hourly rate for the area), or among several the one of the agency responsible
    for the area in the case's needs (else the area's default agency). Entries with no such choice are absent.
    With `contract_id`, only the entries that contract could bill are looked at (a step needs no more)."""
    t = current_tenant_id()
    ends, rates = _ends(t), _unit_rates(t)
    entry = ServiceEntry
    candidates = (
        select(entry.id.label("entry_id"), entry.case_id, entry.on, entry.service_area_id.label("area_id"),
               entry.minutes, Enrolment.contract_id, rates.c.id.label("rate_line_id"), rates.c.amount_cents,
               Contract.agency_id, func.coalesce(Need.agency_id, ServiceArea.agency_id).label("responsible"))
        .select_from(entry)
        .join(Enrolment, and_(Enrolment.tenant_id == t, Enrolment.case_id == entry.case_id,
                              Enrolment.from_on <= entry.on, Enrolment.ends_on >= entry.on))
        .join(Contract, and_(Contract.tenant_id == t, Contract.id == Enrolment.contract_id))
        .join(rates, and_(rates.c.contract_id == Contract.id, rates.c.service_area_id == entry.service_area_id))
        .join(ServiceArea, and_(ServiceArea.tenant_id == t, ServiceArea.id == entry.service_area_id))
        .outerjoin(ends, ends.c.contract_id == Contract.id)
        .outerjoin(Need, and_(Need.tenant_id == t, Need.case_id == entry.case_id,
                              Need.service_area_id == entry.service_area_id))
        .where(_unbilled_entries(t, first, last), _in_force(ends, entry.on))
    )
    if contract_id is not None:
        mine = aliased(Enrolment)
        candidates = candidates.where(select(mine.id).where(
            mine.tenant_id == t, mine.contract_id == contract_id, mine.case_id == entry.case_id,
            mine.from_on <= entry.on, mine.ends_on >= entry.on).exists())
    candidates = candidates.subquery("candidates")
    c = candidates.c
    by_entry = {"partition_by": c.entry_id}
    counted = select(
        c.entry_id, c.case_id, c.on, c.area_id, c.minutes, c.contract_id, c.rate_line_id, c.amount_cents,
        c.agency_id, c.responsible,
        func.count().over(**by_entry).label("n_all"),
        func.sum(case((c.agency_id == c.responsible, 1), else_=0)).over(**by_entry).label("n_responsible"),
    ).subquery("counted")
    k = counted.c
    return (select(k.entry_id, k.case_id, k.on, k.area_id, k.minutes, k.contract_id, k.rate_line_id,
                   k.amount_cents)
            .where(or_(k.n_all == 1, and_(k.agency_id == k.responsible, k.n_responsible == 1)))
            .subquery("chosen"))


def entry_shares(contract_id: int, first: date, last: date):
    """The contract's entries in [first, last] with their cents: minutes × rate ÷ 60 summed per case and area,
    rounded half-up once, split over the entries in proportion to their minutes (largest remainder, ties to
    the lower entry id), as `rating.allocate` does."""
    ch = chosen(first, last, contract_id)
    group = {"partition_by": (ch.c.case_id, ch.c.area_id)}
    totals = select(ch, func.sum(ch.c.minutes).over(**group).label("group_minutes")).where(
        ch.c.contract_id == contract_id).subquery("totals")
    t = totals.c
    # half-up of total × rate ÷ 60 in integers: (x + 30) // 60 for x ≥ 0
    priced = select(t, ((t.group_minutes * t.amount_cents + 30) // 60).label("group_cents")).subquery("priced")
    p = priced.c
    parts = select(p, (p.group_cents * p.minutes // p.group_minutes).label("base"),
                   ((p.group_cents * p.minutes) % p.group_minutes).label("remainder")).subquery("parts")
    q = parts.c
    ranked = select(q, func.row_number().over(partition_by=(q.case_id, q.area_id),
                                              order_by=(q.remainder.desc(), q.entry_id)).label("rank"),
                    func.sum(q.base).over(partition_by=(q.case_id, q.area_id)).label("group_base")).subquery("ranked")
    r = ranked.c
    share = r.base + case((r.rank <= r.group_cents - r.group_base, 1), else_=0)
    return select(r.entry_id, r.case_id, r.on, r.area_id, r.minutes, r.rate_line_id, share.label("cents"))


def unit_lines(contract_id: int, first: date, last: date) -> dict[int, tuple[int, int, int]]:
    """Per hourly rate line of the contract: (entries, minutes, cents) of what it bills in [first, last]."""
    shares = entry_shares(contract_id, first, last).subquery("shares")
    rows = db.session.execute(select(shares.c.rate_line_id, func.count(), func.sum(shares.c.minutes),
                                     func.sum(shares.c.cents)).group_by(shares.c.rate_line_id))
    return {rate_id: (int(n), int(minutes), int(cents)) for rate_id, n, minutes, cents in rows}


def entry_charge_rows(contract_id: int, first: date, last: date) -> list:
    """The contract's entry charges one by one (for the check before issuing and for tests; a run inserts
    them without reading them)."""
    return db.session.execute(entry_shares(contract_id, first, last).order_by("entry_id")).all()


def insert_entry_charges(contract_id: int, first: date, last: date, invoice_id: int,
                         line_of_rate: dict[int, int]) -> int:
    """Write the contract's entry charges for the invoice with one INSERT … SELECT; the number written."""
    from billing.models import Charge

    shares = entry_shares(contract_id, first, last).subquery("shares")
    s = shares.c
    source = select(literal(current_tenant_id()), literal(invoice_id), case(line_of_rate, value=s.rate_line_id),
                    literal(contract_id), literal("entry"), literal("e:") + cast(s.entry_id, String), s.case_id,
                    s.entry_id, s.on, s.minutes, s.cents)
    statement = Charge.__table__.insert().from_select(
        ["tenant_id", "invoice_id", "line_id", "contract_id", "kind", "key", "case_id", "service_entry_id", "on",
         "minutes", "amount_cents"], source)
    db.session.execute(statement)
    return db.session.scalar(select(func.count()).select_from(Charge).where(
        Charge.tenant_id == current_tenant_id(), Charge.invoice_id == invoice_id, Charge.kind == "entry"))


def unbilled(first: date, last: date) -> list[dict]:
    """Every unbilled entry in [first, last] that no contract may bill, with the reason and the contracts in
    question (one aggregate query, and one for the contracts of the entries it found)."""
    t = current_tenant_id()
    ends, rates = _ends(t), _unit_rates(t)
    entry = ServiceEntry
    rated = rates.c.id.is_not(None)
    in_force = and_(rated, _in_force(ends, entry.on))
    responsible = func.coalesce(Need.agency_id, ServiceArea.agency_id)
    counts = (
        select(entry.id, entry.case_id, entry.on, entry.service_area_id, entry.minutes,
               func.count(Enrolment.id).label("enrolled"),
               func.sum(case((rated, 1), else_=0)).label("rated"),
               func.sum(case((in_force, 1), else_=0)).label("in_force"),
               func.sum(case((and_(in_force, Contract.agency_id == responsible), 1), else_=0)).label("picked"))
        .select_from(entry)
        .join(ServiceArea, and_(ServiceArea.tenant_id == t, ServiceArea.id == entry.service_area_id))
        .outerjoin(Need, and_(Need.tenant_id == t, Need.case_id == entry.case_id,
                              Need.service_area_id == entry.service_area_id))
        .outerjoin(Enrolment, and_(Enrolment.tenant_id == t, Enrolment.case_id == entry.case_id,
                                   Enrolment.from_on <= entry.on, Enrolment.ends_on >= entry.on))
        .outerjoin(Contract, and_(Contract.tenant_id == t, Contract.id == Enrolment.contract_id))
        .outerjoin(rates, and_(rates.c.contract_id == Contract.id, rates.c.service_area_id == entry.service_area_id))
        .outerjoin(ends, ends.c.contract_id == Contract.id)
        .where(_unbilled_entries(t, first, last))
        .group_by(entry.id, entry.case_id, entry.on, entry.service_area_id, entry.minutes)
    ).subquery("counts")
    c = counts.c
    reason = case((c.enrolled == 0, "no_enrolment"), (c.rated == 0, "no_rate"),
                  (c.in_force == 0, "contract_not_active"), else_="ambiguous_funder")
    rows = db.session.execute(
        select(c.id, c.case_id, c.on, c.service_area_id, c.minutes, reason)
        .where(or_(c.in_force == 0, and_(c.in_force > 1, c.picked != 1))).order_by(c.id)).all()
    found = [{"entry_id": r[0], "case_id": r[1], "on": r[2].isoformat(), "service_area_id": r[3],
              "minutes": r[4], "reason": r[5], "contract_ids": []} for r in rows]
    _contracts_in_question(found, ends, rates)
    return found


def _contracts_in_question(found: list[dict], ends, rates) -> None:
    """The contracts each left-out entry could have gone to: those enrolling it (no rate), those with a rate (not in
    force), those in force (ambiguous)."""
    if not found:
        return
    t = current_tenant_id()
    by_id = {u["entry_id"]: u for u in found}
    ids = list(by_id)
    entry = ServiceEntry
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        rows = db.session.execute(
            select(entry.id, Enrolment.contract_id, rates.c.id.is_not(None),
                   and_(rates.c.id.is_not(None), _in_force(ends, entry.on)))
            .select_from(entry)
            .join(Enrolment, and_(Enrolment.tenant_id == t, Enrolment.case_id == entry.case_id,
                                  Enrolment.from_on <= entry.on, Enrolment.ends_on >= entry.on))
            .join(Contract, and_(Contract.tenant_id == t, Contract.id == Enrolment.contract_id))
            .outerjoin(rates, and_(rates.c.contract_id == Contract.id,
                                   rates.c.service_area_id == entry.service_area_id))
            .outerjoin(ends, ends.c.contract_id == Contract.id)
            .where(entry.tenant_id == t, entry.id.in_(chunk))).all()
        for entry_id, contract_id, is_rated, is_in_force in rows:
            u = by_id[entry_id]
            wanted = {"no_rate": True, "contract_not_active": bool(is_rated),
                      "ambiguous_funder": bool(is_in_force)}.get(u["reason"], False)
            if wanted and contract_id not in u["contract_ids"]:
                u["contract_ids"].append(contract_id)
    for u in found:
        u["contract_ids"].sort()
