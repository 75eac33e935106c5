"""The contract lifecycle: which step may follow which, and what an agreement must contain before it is
sent."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# from-state -> allowed next states. "draft" again means: sent back for changes before it left the house.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("in_review",),
    "in_review": ("approved", "draft"),
    "approved": ("sent", "draft"),
    "sent": ("signed",),
    "signed": ("active",),
    "active": ("ended",),
    "ended": (),
}
END_REASONS = ("expired", "terminated", "amended")


def allowed_next(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


@dataclass(frozen=True)
class Gap:
    """Something a valid agreement still lacks: a key (for the API), the field to fix, a message."""

    key: str
    field: str
    message: object  # a lazy translation: str() renders it in the current language


def completeness_gaps(contract) -> list[Gap]:
    """What the agreement lacks per EinglMindV § 2 (SGB II), applied to every agreement we send.

    § 2 requires (1) a service agreement on content, scope and quality, (2) a compensation agreement of flat
    rates
    and amounts for individual service areas, (3) a review agreement on economic efficiency and quality;
    further
    notification duties, a fixed term and termination rules.
    """
    gaps: list[Gap] = []
    if not (contract.scope or "").strip():
        gaps.append(Gap("content_scope", "scope", _l("Content and scope of the service are missing.")))
    if not (contract.quality or "").strip():
        gaps.append(Gap("quality", "quality", _l("The quality of the service is not described.")))
    if not contract.rates:
        gaps.append(
            Gap(
                "compensation",
                "rates",
                _l("The compensation has no rate lines (flat rates or amounts per service area)."),
            )
        )
    for i, rate in enumerate(contract.rates):
        if rate.kind == "per_unit" and rate.service_area_id is None:
            gaps.append(
                Gap("compensation", f"rates.{i}.service_area", _l("An hourly rate needs its service area."))
            )
        if not rate.amount_cents:
            gaps.append(Gap("compensation", f"rates.{i}.amount_cents", _l("A rate line has no amount.")))
    if not (contract.efficiency_review or "").strip():
        gaps.append(
            Gap(
                "efficiency_review",
                "efficiency_review",
                _l("The review of economic efficiency and quality is not agreed."),
            )
        )
    if not (contract.notification_duties or "").strip():
        gaps.append(Gap("notification_duties", "notification_duties", _l("Notification duties are missing.")))
    if contract.valid_from is None or contract.valid_to is None:
        gaps.append(
            Gap("fixed_term", "valid_to", _l("The agreement needs a fixed term (valid from and to)."))
        )
    if not (contract.termination or "").strip() and not contract.notice_period_months:
        gaps.append(Gap("termination", "termination", _l("Termination rules are missing.")))
    return gaps
