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


@pytest.mark.parametrize(
    ("role", "records", "follows_the_plan", "home"),
    [("organiser", True, True, "/admin/"), ("viewer", False, True, "/admin/"),
     ("unit_reporter", True, False, "/activities/")],
)
def test_the_activity_log_offers_each_role_what_it_may_do(app, client, login_as, role, records,
                                                          follows_the_plan, home):
    from tests import factories

    with app.app_context():
        unit_id = factories.make_unit().id
    login_as(role, unit_id=unit_id if role == "unit_reporter" else None)
    page = client.get("/activities/").get_data(as_text=True)
    assert ("+ Ghi nhận hoạt động" in page) is records
    assert ("Theo dõi thực hiện kế hoạch" in page) is follows_the_plan
    assert f'<a class="brand" href="{home}">' in page
    assert ('href="/reports/"' in page) is follows_the_plan
