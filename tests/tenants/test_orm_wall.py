"""The first wall: the ORM filters, stamps and checks tenant rows on both databases, and fails closed."""
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.audit import Actor
from core.extensions import db

ACTOR = Actor.system("test")


@pytest.fixture
def agencies(app_ctx, tenant_a, tenant_b):
    from network.services import create_agency

    ids = {}
    for fx in (tenant_a, tenant_b):
        with fx.context():
            ids[fx.slug] = create_agency({"name": f"Jugendamt {fx.slug}"}, ACTOR).id
    db.session.commit()
    return ids


def test_query_without_tenant_fails_closed(agencies):
    """Does a query on tenant data without a tenant context raise instead of returning everything?"""
    from core.tenancy.context import NoTenantContext
    from network.models import Agency

    with pytest.raises(NoTenantContext):
        db.session.scalars(select(Agency)).all()


def test_queries_see_only_the_current_tenant(agencies, tenant_a, tenant_b):
    """Do select, get and bulk update under tenant A touch only A's rows?"""
    from network.models import Agency

    with tenant_a.context():
        assert [a.name for a in db.session.scalars(select(Agency))] == ["Jugendamt alpha"]
        assert db.session.get(Agency, agencies["beta"]) is None
        db.session.execute(update(Agency).values(contact="changed"))
        db.session.commit()
    db.session.expire_all()
    with tenant_b.context():
        assert db.session.get(Agency, agencies["beta"]).contact == ""


def test_insert_is_stamped_with_the_current_tenant(app_ctx, tenant_a):
    """Is a new row without tenant_id written for the tenant in context?"""
    from network.models import Agency

    with tenant_a.context():
        agency = Agency(name="Sozialamt")
        db.session.add(agency)
        db.session.flush()
        assert agency.tenant_id == tenant_a.tenant_id
    db.session.rollback()


def test_writing_another_tenants_row_raises(agencies, tenant_a, tenant_b):
    """Can code running as tenant A change or create a row of tenant B?"""
    from core.tenancy.context import CrossTenantWrite
    from network.models import Agency

    with tenant_b.context():
        agency_b = db.session.get(Agency, agencies["beta"])
    with tenant_a.context():
        agency_b.name = "hijacked"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()
        db.session.add(Agency(name="planted", tenant_id=tenant_b.tenant_id))
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_references_cannot_cross_tenants(agencies, tenant_a, tenant_b):
    """Does the database refuse a row of A that points at B's agency (composite foreign key)?"""
    from tenants.models import Membership
    from tenants.services import create_user

    user = create_user("new-agency-user@alpha.example.org", "long-enough-password")
    with tenant_a.context():
        db.session.add(Membership(user_id=user.id, role="agency", agency_id=agencies["beta"]))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_add_member_refuses_foreign_agency_with_a_field_message(agencies, tenant_a):
    """Does the service turn a foreign agency id into a clear validation error (not a crash)?"""
    from core.problems import ValidationFailed
    from tenants import services
    from tenants.models import Tenant

    user = services.create_user("agency-user@alpha.example.org", "long-enough-password")
    with tenant_a.context():
        tenant = db.session.get(Tenant, tenant_a.tenant_id)
        with pytest.raises(ValidationFailed) as exc:
            services.add_member(tenant, user, "agency", ACTOR, agency_id=agencies["beta"])
        db.session.rollback()
    assert "agency_id" in exc.value.errors


def test_counts_and_subqueries_are_filtered_too(agencies, tenant_a):
    """Are aggregate queries (count(*) … select_from, subqueries) filtered like plain selects?"""
    from sqlalchemy import func

    from core.tenancy.context import NoTenantContext
    from network.models import Agency

    with tenant_a.context():
        assert db.session.scalar(select(func.count()).select_from(Agency)) == 1
        assert db.session.scalar(select(func.count()).select_from(select(Agency.id).subquery())) == 1
    with pytest.raises(NoTenantContext):
        db.session.scalar(select(func.count()).select_from(Agency))
    with pytest.raises(NoTenantContext):
        db.session.scalar(select(func.count()).select_from(select(Agency.id).subquery()))
