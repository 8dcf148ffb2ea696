"""Assigning a role: the role picker starts on the least privileged role, and the node is
chosen from a list that searches the organisation's nodes as one types, never another's."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.organizations.models import OrganizationMember, OrganizationRole, RoleAssignment
from tests.conftest import sign_in_client
from tests.unit.organizations.factories import external, grill_group


def member_id_of(person) -> str:
    return db.session.scalar(
        sa.select(OrganizationMember.id).where(OrganizationMember.user_id == person.id)
    )


def options(fragment: str) -> list[str]:
    return re.findall(r'role="option"[^>]*data-value="([^"]+)"', fragment)


def test_the_node_picker_offers_matching_nodes_of_the_organisation_only(client, login_as):
    admin = login_as("administrator")
    mine, theirs = grill_group(admin), grill_group(admin, prefix="X")
    db.session.commit()
    pick = f"/organizations/nodes/{mine['root'].id}/pick"
    picked = client.get(pick, query_string={"node": "mia"})
    assert picked.status_code == 200
    assert set(options(picked.text)) == {"MIA", "MIA-K"}  # Miami Beach by name, both by code
    assert "XMIA" not in picked.text
    everything = client.get(f"/organizations/nodes/{mine['root'].id}/pick").text
    assert set(options(everything)) == {"CGG", "EAST", "WEST", "MIA", "MIA-K"}
    assert not any(code.startswith("X") for code in options(everything))
    by_name = client.get(
        f"/organizations/nodes/{mine['root'].id}/pick", query_string={"node": "kitch"}
    )
    assert options(by_name.text) == ["MIA-K"]
    assert theirs  # their organisation exists, and none of its nodes was offered


def test_another_organisations_picker_answers_404_to_its_people(client, staff):
    mine, theirs = grill_group(staff), grill_group(staff, prefix="X")
    person = external(mine["root"], "Admin")
    db.session.commit()
    sign_in_client(client, person)
    assert client.get(f"/organizations/nodes/{mine['root'].id}/pick").status_code == 200
    assert client.get(f"/organizations/nodes/{theirs['root'].id}/pick").status_code == 404


def test_the_role_picker_starts_on_the_least_privileged_role(client, login_as):
    admin = login_as("administrator")
    org = grill_group(admin)
    person = external(org["miami"], "Buyer")
    db.session.commit()
    page = client.get(f"/organizations/members/{member_id_of(person)}").text
    form = page.split("Assign a role", 1)[1]
    first = re.search(r'<select[^>]*name="role"[^>]*>\s*<option[^>]*value="([^"]+)"', form)[1]
    roles = db.session.scalars(
        sa.select(OrganizationRole).where(OrganizationRole.organization_id == org["root"].id)
    ).all()
    fewest = min(len(r.permissions) for r in roles)
    assert len(db.session.get(OrganizationRole, first).permissions) == fewest
    assert "Admin" not in db.session.get(OrganizationRole, first).name


def test_a_node_picked_by_its_code_gets_the_role(client, login_as):
    admin = login_as("administrator")
    org = grill_group(admin)
    person = external(org["miami"], "Buyer")
    db.session.commit()
    member_id = member_id_of(person)
    page = client.get(f"/organizations/members/{member_id}").text
    assert 'role="combobox"' in page
    assert "/pick" in page
    buyer = db.session.scalar(
        sa.select(OrganizationRole.id).where(
            OrganizationRole.organization_id == org["root"].id, OrganizationRole.name == "Buyer"
        )
    )
    response = client.post(
        f"/organizations/members/{member_id}/assignments", data={"role": buyer, "node": "WEST"}
    )
    assert response.status_code == 303
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RoleAssignment)
        .where(RoleAssignment.node_id == org["west"].id)
    )
