"""The back-office menu offers each role only what it may open."""

import pytest


@pytest.mark.parametrize(
    ("role", "sees_admin_only"),
    [("admin", True), ("organiser", False), ("viewer", False)],
)
def test_menu_links_match_the_role(client, login_as, role, sees_admin_only):
    login_as(role)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/questions/"' in page and 'href="/reports/"' in page
    assert ('href="/admin/users/"' in page) is sees_admin_only
    assert ('href="/admin/audit_log/"' in page) is sees_admin_only
    # every link in the menu opens for this role
    for href in ("/admin/questions/", "/admin/contests/", "/admin/units/", "/reports/"):
        assert client.get(href).status_code == 200
