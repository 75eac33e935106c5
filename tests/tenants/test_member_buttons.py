"""Issue 14: the members page shows only the buttons the member may use (a refused click is a trap)."""
import re


def _row(html: str, email: str) -> str:
    match = re.search(r"<tr>(?:(?!</tr>).)*?" + re.escape(email) + r".*?</tr>", html, re.S)
    assert match, email
    return match.group(0)


def test_an_admin_sees_no_buttons_on_an_owners_row_and_no_owner_role_to_give(client, tenant_a, login):
    """Does an admin see neither "Remove" nor the role form on the owner's row (both only for owners), no "owner"
    among the roles of the other rows, and both buttons on a viewer's row?"""
    login(client, tenant_a, "admin")
    html = client.get(f"/{tenant_a.slug}/members").get_data(as_text=True)
    owner = _row(html, tenant_a.users["owner"])
    assert "/delete" not in owner and "/role" not in owner
    viewer = _row(html, tenant_a.users["viewer"])
    assert f"/members/{tenant_a.memberships['viewer']}/delete" in viewer and "/role" in viewer
    assert 'value="owner"' not in viewer


def test_the_last_owner_has_no_remove_button(client, tenant_a, login):
    """Does the only owner see no "Remove" on their own row (the last owner cannot be removed), but can still
    change roles and remove others?"""
    login(client, tenant_a, "owner")
    html = client.get(f"/{tenant_a.slug}/members").get_data(as_text=True)
    owner = _row(html, tenant_a.users["owner"])
    assert "/delete" not in owner and "/role" in owner
    admin = _row(html, tenant_a.users["admin"])
    assert "/delete" in admin and 'value="owner"' in admin
