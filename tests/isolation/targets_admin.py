from tests.isolation.targets import target


@target("tenant_id")
def tenant(fx):
    """Tenant B itself: the console's pages of a tenant (/admin/tenants/<id>/…) exist for platform admins only,
    so tenant A's owner gets 404 for B's id (and for A's own: tests/tenants/test_admin_console.py)."""
    return fx.tenant_id
