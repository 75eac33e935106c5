from tests.isolation.targets import target


@target("member_id")
def membership(fx):
    """B's viewer membership (created by the fixture)."""
    return fx.memberships["viewer"]
