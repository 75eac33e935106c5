"""Reminders: admins hear of a contract's end and its efficiency review once, not on every beat."""

from datetime import date, timedelta


def _active_contract(app, fx, make_agency, **terms):
    from contracts import services
    from core.audit import Actor
    from core.extensions import db
    from tests.contracts.conftest import contract_payload

    agency_id = make_agency(fx)
    with app.app_context(), fx.context():
        data = contract_payload(agency_id, **terms)
        for key in ("valid_from", "valid_to", "next_review_on"):
            if isinstance(data.get(key), str):
                data[key] = date.fromisoformat(data[key])
        contract = services.create_contract(data, Actor(user_id=None, label="t"), fx.tenant_id)
        for to in ("in_review", "approved", "sent", "signed", "active"):
            services.transition(contract, to, Actor(user_id=None, label="t"), on=date(2020, 1, 1))
        db.session.commit()
        return contract.id


def test_reminders_are_sent_once_per_event(app, tenant_a, tenant_b, make_agency):
    """Does the beat task mail the admins of the right tenant about an ending contract and a due review,
    once?"""
    from contracts.tasks import send_all_reminders
    from core.clock import today as today_local
    from core.mail import outbox

    today = today_local()
    _active_contract(
        app,
        tenant_a,
        make_agency,
        valid_from=date(2020, 1, 1),
        valid_to=today + timedelta(days=20),
        next_review_on=today + timedelta(days=10),
    )
    _active_contract(
        app, tenant_b, make_agency, valid_from=date(2020, 1, 1), valid_to=today + timedelta(days=400)
    )
    with app.app_context():
        send_all_reminders.delay()
    recipients = sorted(m["To"] for m in outbox)
    assert recipients == sorted([tenant_a.users["owner"], tenant_a.users["admin"]] * 2)
    subjects = {m["Subject"] for m in outbox}
    assert any("endet" in s or "ends" in s for s in subjects) and len(subjects) == 2
    outbox.clear()
    with app.app_context():
        send_all_reminders.delay()
    assert outbox == []
