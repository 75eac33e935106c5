"""Which contract bills an entry (billing.funders) and how a line's cents are split over its entries
(billing.rating.allocate): plain data in, a choice or cents out."""
from datetime import date

import pytest

from billing import rating
from billing.funders import Terms, choose

CHILDCARE, QUALIFICATION = 7, 8
JOBCENTER, JUGENDAMT = 1, 2
TERMS = {
    10: Terms(10, JOBCENTER, "active", date(2026, 1, 1), date(2026, 12, 31), frozenset({CHILDCARE, QUALIFICATION})),
    20: Terms(20, JUGENDAMT, "active", date(2026, 1, 1), date(2026, 12, 31), frozenset({CHILDCARE})),
    30: Terms(30, JUGENDAMT, "signed", date(2026, 1, 1), date(2026, 12, 31), frozenset({QUALIFICATION})),
    40: Terms(40, JUGENDAMT, "ended", date(2026, 1, 1), date(2026, 12, 31), frozenset({QUALIFICATION}),
              ended_on=date(2026, 6, 30)),
    50: Terms(50, JOBCENTER, "active", date(2026, 1, 1), date(2026, 12, 31), frozenset({CHILDCARE})),
}
DAY = date(2026, 10, 7)


@pytest.mark.parametrize("day, area, responsible, enrolled, contract, reason", [
    (DAY, CHILDCARE, None, [], None, "no_enrolment"),
    (DAY, CHILDCARE, None, [None], None, "no_enrolment"),  # an outer join that found no enrolment
    (DAY, CHILDCARE, None, [10], 10, None),
    (DAY, QUALIFICATION, None, [20], None, "no_rate"),  # enrolled, but no hourly rate for the area
    (DAY, QUALIFICATION, None, [30], None, "contract_not_active"),  # signed, not yet in force
    (date(2026, 6, 30), QUALIFICATION, None, [40], 40, None),  # ended: bills up to the day it ended
    (date(2026, 7, 1), QUALIFICATION, None, [40], None, "contract_not_active"),
    (date(2027, 1, 1), CHILDCARE, None, [10], None, "contract_not_active"),  # after its validity
    (DAY, QUALIFICATION, JUGENDAMT, [10, 20], 10, None),  # one rated contract: the need does not matter
    (DAY, CHILDCARE, JUGENDAMT, [10, 20], 20, None),  # both rated: the responsible agency decides
    (DAY, CHILDCARE, JOBCENTER, [10, 20], 10, None),
    (DAY, CHILDCARE, None, [10, 20], None, "ambiguous_funder"),  # nobody responsible
    (DAY, CHILDCARE, JOBCENTER, [10, 20, 50], None, "ambiguous_funder"),  # two contracts of the responsible agency
    (DAY, CHILDCARE, 99, [10, 20], None, "ambiguous_funder"),  # an agency with no contract here
])
def test_choice_of_funder(day, area, responsible, enrolled, contract, reason):
    choice = choose(day, area, responsible, enrolled, TERMS)
    assert (choice.contract_id, choice.reason) == (contract, reason)


def test_ambiguous_entry_names_the_contracts_in_question():
    assert set(choose(DAY, CHILDCARE, None, [10, 20, 30], TERMS).candidates) == {10, 20}


@pytest.mark.parametrize("total, weights, shares", [
    (3333, [50], [3333]),
    (9000, [90, 45], [6000, 3000]),
    (100, [1, 1, 1], [34, 33, 33]),  # the remainder to the earlier item on a tie
    (1667, [10, 10], [834, 833]),
    (5, [1, 2, 2], [1, 2, 2]),
    (0, [30, 30], [0, 0]),
    (7, [0, 0], [0, 0]),
    (0, [], []),
])
def test_allocate_splits_a_line_exactly(total, weights, shares):
    result = rating.allocate(total, weights)
    assert result == shares
    assert sum(result) == (total if any(weights) else 0)
