"""A role picker sent without a choice answers 422 with a message at the picker (it was a 500:
the view loaded a role by a missing id)."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.organizations.models import OrganizationMember
from tests.unit.organizations.factories import external, grill_group


def test_inviting_or_assigning_without_a_role_asks_for_one(client, login_as):
    admin = login_as("administrator")
    org = grill_group(admin)
    person = external(org["miami"], "Buyer")
    db.session.commit()
    member_id = db.session.scalar(
        sa.select(OrganizationMember.id).where(OrganizationMember.user_id == person.id)
    )

    invited = client.post(
        f"/organizations/nodes/{org['root'].id}/invitations",
        data={"email": "new.buyer@grill.example", "name": "New Buyer"},
    )
    assert invited.status_code == 422
    assert "Choose a role." in invited.get_data(as_text=True)
    assigned = client.post(f"/organizations/members/{member_id}/assignments", data={"node": "MIA"})
    assert assigned.status_code == 422
    assert "Choose a role." in assigned.get_data(as_text=True)
