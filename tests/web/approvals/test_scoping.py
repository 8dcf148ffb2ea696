"""Who sees which request, through the test client: the queues and the count after a decision
in another request and another organisation, and delegations that hold only inside their
organisation and between their dates (issues 12 and 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.approvals import services
from portal.approvals.models import ApprovalDelegation
from portal.approvals.values import Decision
from portal.extensions import db
from portal.models import utcnow
from tests.conftest import sign_in_client
from tests.unit.approvals.factories import po, po_rule, roles, tier
from tests.unit.organizations.factories import external, grill_group, join


def as_(client, user):
    sign_in_client(client, user)
    return client


def waiting(client, user) -> tuple[str, str]:
    """What `user` sees: their count and their "Waiting for me" page."""
    as_(client, user)
    return client.get("/approvals/count").text, client.get("/approvals/").text


def submitted(org, buyer, *descriptions):
    return [
        services.submit(buyer, org["miami"].id, po(750_000, description=text), rates={})
        for text in descriptions
    ]


@pytest.fixture
def two_organisations(staff):
    """Two customers, each with an approver at East Division and pending purchase orders."""
    found = {}
    for prefix in ("A", "B"):
        org = grill_group(staff, prefix=prefix)
        found[prefix] = {
            "org": org,
            "buyer": external(org["miami"], "Buyer", f"buyer@{prefix}.example"),
            "approver": external(org["east"], "Approver", f"approver@{prefix}.example"),
        }
        po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))
    return found


def test_one_decision_leaves_the_other_requests_waiting_in_every_organisation(
    client, two_organisations
):
    a, b = two_organisations["A"], two_organisations["B"]
    first, *_ = submitted(a["org"], a["buyer"], "A oven", "A fridge", "A knives")
    submitted(b["org"], b["buyer"], "B oven", "B fridge")

    services.decide(a["approver"], first.id, Decision.APPROVE, "", round_=1, tier=0)

    count, page = waiting(client, a["approver"])
    assert count == "2"
    assert "A fridge" in page
    assert "A knives" in page
    assert "A oven" not in page
    count, page = waiting(client.application.test_client(), b["approver"])
    assert count == "2"
    assert "B oven" in page
    assert "B fridge" in page


@pytest.fixture
def across(staff):
    """Zoe is the admin of Z and was invited into G as an Approver; she delegated her approvals
    in Z to Colin, a member of Z only. Both Z and G have a purchase order waiting on her."""
    z, g = grill_group(staff, prefix="Z"), grill_group(staff, prefix="G")
    zoe = external(z["root"], "Admin", "zoe@z.example")
    join(zoe, g["east"], "Approver")
    colin = external(z["miami"], "Viewer", "colin@z.example")
    po_rule(staff, z["east"], tier(roles(z["root"], "Admin")))
    po_rule(staff, g["east"], tier(roles(g["root"], "Approver")))
    (in_z,) = submitted(z, external(z["miami"], "Buyer"), "Z combi oven")
    (in_g,) = submitted(g, external(g["miami"], "Buyer"), "G walk-in freezer")
    today = utcnow().date()
    delegation = services.delegate(zoe, z["root"].id, colin.id, today, today + timedelta(days=7))
    return {"zoe": zoe, "colin": colin, "z": in_z, "g": in_g, "delegation": delegation}


def test_a_delegate_sees_only_the_organisation_the_delegation_was_made_in(client, across):
    count, page = waiting(client, across["colin"])
    assert count == "1"
    assert "Z combi oven" in page
    assert "G walk-in freezer" not in page
    assert client.get(f"/approvals/requests/{across['z'].id}").status_code == 200
    assert client.get(f"/approvals/requests/{across['g'].id}").status_code == 404
    decide = f"/approvals/requests/{across['g'].id}/decide"
    assert client.get(f"{decide}?decision=APPROVE").status_code == 404
    assert client.post(decide, data={"decision": "APPROVE", "round": 1, "tier": 0}).status_code == (
        404
    )
    # Zoe herself still has both.
    assert waiting(client.application.test_client(), across["zoe"])[0] == "2"


def test_an_expired_delegation_grants_nothing(client, across):
    delegation = db.session.get(ApprovalDelegation, across["delegation"].id)
    today = utcnow().date()
    delegation.starts_on, delegation.ends_on = today - timedelta(days=10), today - timedelta(days=1)
    db.session.commit()
    count, page = waiting(client, across["colin"])
    assert count == "0"
    assert "Z combi oven" not in page
    for request in (across["z"], across["g"]):
        assert client.get(f"/approvals/requests/{request.id}").status_code == 404


def test_a_revoked_delegation_grants_nothing(client, across):
    services.revoke_delegation(across["zoe"], across["delegation"].id)
    count, _ = waiting(client, across["colin"])
    assert count == "0"
    assert client.get(f"/approvals/requests/{across['z'].id}").status_code == 404


def test_someone_in_two_organisations_chooses_where_to_delegate(client, across, staff):
    from portal.organizations.models import OrganizationNode

    g = db.session.get(OrganizationNode, across["g"].organization_id)
    z = across["z"].organization_id
    gina = external(g, "Viewer", "gina@g.example")
    as_(client, across["zoe"])
    page = client.get("/approvals/delegations").text
    assert f"?organization={g.id}" in page
    assert f"?organization={z}" in page
    assert gina.id not in client.get(f"/approvals/delegations?organization={z}").text
    in_g = f"/approvals/delegations?organization={g.id}"
    assert gina.id in client.get(in_g).text
    today = utcnow().date()
    made = client.post(
        in_g,
        data={
            "delegate": gina.id,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=2)).isoformat(),
        },
    )
    assert made.status_code == 303
    assert waiting(client.application.test_client(), gina)[0] == "1"
    elsewhere = grill_group(staff, prefix="X")["root"]
    assert client.get(f"/approvals/delegations?organization={elsewhere.id}").status_code == 404
