"""The organisation pages through the test client: page or fragment, 422 with messages next to
the fields, 303 after success, staff read-only access, escalation refused over HTTP."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.organizations import services
from portal.organizations.models import OrganizationNode, OrganizationRole
from portal.organizations.values import NodeType
from tests.conftest import sign_in_client
from tests.unit.organizations.factories import external, grill_group, member_of, role

HX = {"HX-Request": "true"}


@pytest.fixture
def org(staff):
    return grill_group(staff)


def url(node, tail=""):
    return f"/organizations/nodes/{node.id}{tail}"


def test_node_page_and_its_panel_fragment(client, login_as, org):
    login_as("sales")
    page = client.get(url(org["kitchen"]))
    assert page.status_code == 200
    assert '<ul role="tree"' in page.text
    assert 'aria-current="page">Kitchen<' in page.text  # breadcrumbs end here
    panel = client.get(url(org["kitchen"]), headers={**HX, "HX-Target": "node-panel"})
    assert panel.status_code == 200
    assert "<html" not in panel.text
    assert 'role="tree"' not in panel.text
    assert "Caribbean Grill Group" in panel.text  # breadcrumbs


def test_children_fragment_and_search(client, login_as, org):
    login_as("sales")
    children = client.get(url(org["east"], "/children"), headers=HX)
    assert children.text.count('role="treeitem"') == 1
    assert "Miami Beach" in children.text
    found = client.get(url(org["root"], "/tree?q=kitch"), headers=HX)
    assert "<mark>Kitchen</mark>" in found.text
    assert "1 match" in found.text
    assert f'id="tree-{org["miami"].id}"' in found.text  # the path to the match is open


def test_an_invalid_override_is_422_next_to_the_field(client, login_as, org):
    login_as("sales")
    response = client.post(
        url(org["miami"], "/attributes/billing_email"), data={"value": "not an address"}
    )
    assert response.status_code == 422
    assert "Enter an e-mail address" in response.text
    ok = client.post(url(org["miami"], "/attributes/billing_email"), data={"value": "a@b.example"})
    assert ok.status_code == 303
    kitchen = client.get(url(org["kitchen"])).text
    assert "a@b.example" in kitchen
    arrow = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "
    assert f"inherited from Caribbean Grill Group{arrow}East Division{arrow}Miami Beach" in kitchen


def test_a_cycle_is_refused_with_a_message(client, login_as, org):
    login_as("sales")
    response = client.post(url(org["east"], "/move"), data={"parent": "MIA-K"})
    assert response.status_code == 422
    assert "would make a cycle" in response.text
    moved = client.post(url(org["miami"], "/move"), data={"parent": "WEST"})
    assert moved.status_code == 303
    db.session.expire_all()
    assert db.session.get(OrganizationNode, org["miami"].id).parent_id == org["west"].id


def test_staff_who_only_read_customers_may_look_but_not_change(client, login_as, org):
    login_as("finance")
    assert client.get(url(org["miami"])).status_code == 200
    assert client.post(
        url(org["miami"], "/rename"), data={"name": "X", "code": "X"}
    ).status_code == (403)


def test_history_tab_shows_the_audit_trail(client, login_as, org, staff):
    services.rename_node(staff, org["west"].id, "West Coast", "WEST")
    login_as("sales")
    history = client.get(url(org["west"], "/history")).text
    assert "Renamed West Division (WEST) to West Coast (WEST)" in history
    assert "org.node_added" in history


def test_a_role_manager_cannot_create_a_role_beyond_their_own(app, staff, org):
    keeper_role = services.save_role(
        staff,
        org["root"].id,
        None,
        "Role keeper",
        "",
        ["org:view", "org:roles:manage"],
        {"org:view", "org:roles:manage"},
    )
    keeper = external(org["root"], "Viewer")
    services.assign_role(
        staff,
        member_of(keeper).id,
        keeper_role.id,
        org["root"].id,
        {"org:view", "org:roles:manage"},
    )
    client = app.test_client()
    sign_in_client(client, keeper)
    form = client.get(f"/organizations/{org['root'].id}/roles/new?template=buyer")
    assert form.status_code == 200
    refused = client.post(
        f"/organizations/{org['root'].id}/roles/new",
        data={"name": "Sneaky", "permissions": ["org:view", "org:orders:create"]},
    )
    assert refused.status_code == 422
    assert "you do not hold org:orders:create" in refused.text
    assert (
        db.session.scalar(sa.select(OrganizationRole.id).where(OrganizationRole.name == "Sneaky"))
        is None
    )
    made = client.post(
        f"/organizations/{org['root'].id}/roles/new",
        data={"name": "Looker", "permissions": ["org:view"]},
    )
    assert made.status_code == 303


def test_a_buyer_is_not_offered_roles_they_cannot_grant(app, org):
    manager = external(org["miami"], "Buyer")
    client = app.test_client()
    sign_in_client(client, manager)
    assert client.get(url(org["miami"], "/members")).status_code == 200
    invite = client.post(
        url(org["miami"], "/invitations"),
        data={"email": "x@y.example", "name": "X", "role": role(org["root"], "Buyer").id},
    )
    assert invite.status_code == 403


def test_the_org_chart_stays_within_its_levels(client, login_as, staff, org):
    """About 200 boxes three levels deep; what lies deeper is summed up, one click away."""
    for i in range(40):
        location = services.add_node(staff, org["west"].id, NodeType.LOCATION, f"Spot {i}", f"S{i}")
        for j in range(4):
            dept = services.add_node(
                staff, location.id, NodeType.DEPARTMENT, f"Dept {j}", f"S{i}-{j}"
            )
    services.add_node(staff, dept.id, NodeType.DEPARTMENT, "Too deep", "DEEP")
    login_as("sales")
    chart = client.get(url(org["root"], "/chart")).text
    assert chart.count('class="chart-card') == 1 + 2 + 41 + 1 + 160
    assert "Too deep" not in chart
    assert "+1 below" in chart


def test_a_location_buyer_sees_the_tree_from_their_location(app, org):
    buyer = external(org["miami"], "Buyer")
    client = app.test_client()
    sign_in_client(client, buyer)
    page = client.get(url(org["kitchen"])).text
    tree = page[page.index('role="tree"') : page.index("</aside>")]
    assert "Miami Beach" in tree
    assert "Kitchen" in tree
    assert "West Division" not in tree
    assert "Caribbean Grill Group" in page  # the breadcrumbs still name the way up


def test_staff_create_an_organisation_for_a_b2b_customer(client, login_as, restaurant, customer):
    login_as("sales")
    refused = client.post(
        "/organizations/", data={"customer_id": customer.id, "name": "X", "code": "X"}
    )
    assert refused.status_code == 422
    assert "Choose a B2B customer." in refused.text
    made = client.post(
        "/organizations/", data={"customer_id": restaurant.id, "name": "Chez Lola", "code": "lola"}
    )
    assert made.status_code == 303
    listed = client.get("/organizations/?q=lola")
    assert "Chez Lola" in listed.text
    assert "<code>LOLA</code>" in listed.text


def test_read_only_staff_cannot_create_organisations(client, login_as, restaurant):
    login_as("marketing")
    assert client.get("/organizations/").status_code == 200
    response = client.post("/organizations/", data={"customer_id": restaurant.id, "name": "X"})
    assert response.status_code == 403
