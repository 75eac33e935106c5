"""The demo seed shows contracts at work."""


def test_demo_seed_has_contracts_in_three_states_with_three_rate_lines(app_ctx, no_pdf):
    """Does `demo seed` create partners, the default template and contracts (active, sent, draft) of 3 lines
    each?"""
    from sqlalchemy import select

    from contracts import services
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from network import services as network
    from tenants.demo import seed_demo
    from tenants.models import Tenant

    seed_demo()
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
    with tenant_context(tenant.id):
        contracts = services.list_contracts()
        assert sorted(c.status for c in contracts) == ["active", "draft", "sent"]
        assert all(len(c.rates) == 3 for c in contracts)
        active = next(c for c in contracts if c.status == "active")
        assert [s.to_status for s in active.steps] == ["in_review", "approved", "sent", "signed", "active"]
        assert active.steps[1].by_user_id != active.drafted_by_id
        draft = next(c for c in contracts if c.status == "draft")
        assert [g.key for g in services.completeness(draft)] == ["notification_duties"]
        assert len(network.list_partners()) == 3 and any(t.builtin for t in services.list_templates())
        # the contracts part runs after the cases part (layer order), so the demo cases are enrolled
        assert len(services.enrolments_of_contract(active)) >= 3
