"""Which contract bills a service entry (DOMAIN.md "Several funders per case"). Pure: plain data in, a choice out.

A case may be enrolled under contracts with several agencies at once. An entry goes to the contract that enrols
its case on the entry's day, has a `per_unit` line for its area and is in force that day; where more than one
qualifies, the agency responsible for the area in the case's needs (or the area's default agency) decides; where
that does not pick exactly one, nobody bills it until a person records the responsibility.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

BILLABLE_STATES = ("active", "ended")  # an ended contract still bills what was done while it was in force


@dataclass(frozen=True)
class Terms:
    """What the choice needs to know of a contract."""

    id: int
    agency_id: int
    status: str
    valid_from: date | None
    valid_to: date | None
    unit_areas: frozenset = field(default_factory=frozenset)  # service areas with a per_unit line
    ended_on: date | None = None  # the day it ended (a termination before valid_to)

    def in_force(self, day: date) -> bool:
        return (self.status in BILLABLE_STATES and (self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to)
                and (self.ended_on is None or day <= self.ended_on))


@dataclass(frozen=True)
class Choice:
    contract_id: int | None
    reason: str | None  # no_enrolment | no_rate | contract_not_active | ambiguous_funder
    candidates: tuple = ()  # the contracts that could have billed it (for the report)


def choose(day: date, area_id: int, responsible_agency_id: int | None, enrolled_contract_ids: Iterable[int],
           terms: Mapping[int, Terms]) -> Choice:
    enrolled = sorted({c for c in enrolled_contract_ids if c is not None and c in terms})
    if not enrolled:
        return Choice(None, "no_enrolment")
    rated = [c for c in enrolled if area_id in terms[c].unit_areas]
    if not rated:
        return Choice(None, "no_rate", tuple(enrolled))
    in_force = [c for c in rated if terms[c].in_force(day)]
    if not in_force:
        return Choice(None, "contract_not_active", tuple(rated))
    if len(in_force) == 1:
        return Choice(in_force[0], None, tuple(in_force))
    picked = [c for c in in_force if terms[c].agency_id == responsible_agency_id]
    if len(picked) == 1:
        return Choice(picked[0], None, tuple(in_force))
    return Choice(None, "ambiguous_funder", tuple(in_force))
