"""Tree use cases against a real session: every change audited, with an event in the outbox."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.domain import DomainError
from portal.events.catalogue import ORGANIZATION_EVENTS as ORG_EVENTS
from portal.extensions import db
from portal.organizations import queries, rules, services
from portal.organizations.models import OrganizationNode, OrganizationRole
from portal.organizations.values import NodeStatus, NodeType
from portal.security.models import AuditEntry
from tests.factories import events
from tests.unit.organizations.factories import grill_group, organization


@pytest.fixture
def org(staff):
    return grill_group(staff)


def test_an_organisation_starts_with_the_predefined_roles(staff):
    root = organization(staff)
    assert root.organization_id == root.id
    assert root.type == NodeType.ORGANIZATION
    names = set(db.session.scalars(sa.select(OrganizationRole.name)))
    assert names == {"Admin", "Approver", "Buyer", "Viewer"}
    assert [e.type for e in events() if e.type.startswith("Organization")] == [
        "OrganizationCreated"
    ]


def test_only_b2b_customers_get_an_organisation(staff, customer):
    with pytest.raises(DomainError) as refused:
        services.create_organization(staff, customer.id, "Marcia", "MC")
    assert "customer_id" in refused.value.errors


def test_nesting_and_codes_are_enforced(staff, org):
    with pytest.raises(DomainError) as refused:
        services.add_node(staff, org["kitchen"].id, NodeType.DIVISION, "Oops", "OOPS")
    assert refused.value.errors["type"] == ["A department cannot contain a division."]
    with pytest.raises(DomainError) as duplicate:
        services.add_node(staff, org["west"].id, NodeType.LOCATION, "Again", "MIA")
    assert "code" in duplicate.value.errors


def test_moving_a_node_under_its_own_descendant_is_refused(staff, org):
    with pytest.raises(DomainError) as refused:
        services.move_node(staff, org["east"].id, org["kitchen"].id)
    assert refused.value.errors["parent"] == [
        "Kitchen is inside East Division: moving it there would make a cycle."
    ]
    db.session.refresh(org["east"])
    assert org["east"].parent_id == org["root"].id


def test_moving_carries_the_subtree(staff, org):
    services.move_node(staff, org["miami"].id, org["west"].id)
    kitchen = db.session.get(OrganizationNode, org["kitchen"].id)
    west = db.session.get(OrganizationNode, org["west"].id)
    assert kitchen.path.startswith(west.path)
    assert kitchen.depth == 3
    assert [a.name for a in queries.chain(kitchen)] == [
        "Caribbean Grill Group",
        "West Division",
        "Miami Beach",
        "Kitchen",
    ]
    moved = events("OrganizationNodeMoved")[0]
    assert moved.payload["previousParentId"] == org["east"].id
    assert (
        db.session.scalar(
            sa.select(AuditEntry.summary).where(AuditEntry.action == "org.node_moved")
        )
        == "Moved Miami Beach from East Division to West Division"
    )


def test_deactivating_a_subtree(staff, org):
    assert services.set_subtree_status(staff, org["east"].id, NodeStatus.INACTIVE) == 3
    statuses = dict(
        db.session.execute(sa.select(OrganizationNode.code, OrganizationNode.status)).all()
    )
    assert statuses["MIA-K"] == statuses["EAST"] == NodeStatus.INACTIVE
    assert statuses["WEST"] == NodeStatus.ACTIVE
    with pytest.raises(DomainError):
        services.set_subtree_status(staff, org["miami"].id, NodeStatus.ACTIVE)


def test_override_one_attribute_and_see_it_inherited_below(staff, org):
    services.override_attribute(staff, org["root"].id, "billing_email", "ap@grill.example")
    services.override_attribute(staff, org["miami"].id, "delivery_instructions", "Back door")
    kitchen = {a.field: a for a in rules.effective_attributes(queries.chain(org["kitchen"]))}
    assert kitchen["delivery_instructions"].value == "Back door"
    assert [a.name for a in kitchen["delivery_instructions"].inherited_from][-1] == "Miami Beach"
    assert kitchen["billing_email"].value == "ap@grill.example"

    services.clear_override(staff, org["miami"].id, "delivery_instructions")
    kitchen = {a.field: a for a in rules.effective_attributes(queries.chain(org["kitchen"]))}
    assert kitchen["delivery_instructions"].value is None
    with pytest.raises(DomainError):
        services.override_attribute(staff, org["miami"].id, "company_size", "GIGANTIC")


def test_depth_fifty(staff):
    root = organization(staff)
    node = services.add_node(staff, root.id, NodeType.DIVISION, "Level 1", "L1")
    for level in range(2, 51):
        node = services.add_node(staff, node.id, NodeType.DIVISION, f"Level {level}", f"L{level}")
    services.override_attribute(staff, root.id, "industry_code", "722511")
    chain = queries.chain(node)
    assert len(chain) == 51
    assert node.depth == 50
    found = {a.field: a for a in rules.effective_attributes(chain)}
    assert found["industry_code"].value == "722511"
    assert found["industry_code"].inherited_from[0].name == "Caribbean Grill Group"
    level2 = db.session.scalar(sa.select(OrganizationNode).where(OrganizationNode.code == "L2"))
    level40 = db.session.scalar(sa.select(OrganizationNode).where(OrganizationNode.code == "L40"))
    with pytest.raises(DomainError):
        services.move_node(staff, level2.id, level40.id)
    assert len(queries.children(level2)) == 1


def test_every_payload_has_the_catalogued_fields(staff, org):
    services.rename_node(staff, org["west"].id, "West Coast", "WEST")
    services.move_node(staff, org["miami"].id, org["west"].id)
    services.set_subtree_status(staff, org["west"].id, NodeStatus.INACTIVE)
    services.override_attribute(staff, org["root"].id, "tax_id", "12-3456789")
    emitted = [e for e in events() if e.aggregate_type == "organization"]
    assert {e.type for e in emitted} >= {
        "OrganizationCreated",
        "OrganizationNodeAdded",
        "OrganizationNodeUpdated",
        "OrganizationNodeMoved",
        "OrganizationSubtreeStatusChanged",
    }
    for event in emitted:
        assert set(event.payload) == set(ORG_EVENTS[event.type].fields), event.type


def test_identifiers_are_masked_in_the_trail_and_the_outbox(staff, org):
    services.override_attribute(staff, org["root"].id, "tax_id", "12-3456789")
    services.clear_override(staff, org["root"].id, "tax_id")
    for event in events("OrganizationNodeUpdated"):
        assert "12-3456789" not in str(event.payload)
    assert "12-3456789" not in str(list(db.session.scalars(sa.select(AuditEntry.summary))))
    assert events("OrganizationNodeUpdated")[0].payload["newValues"] == {"tax_id": "***"}


def test_an_override_keeps_what_another_writer_saved_meanwhile(staff, org):
    """The node is re-read when the use case locks it: a copy this session read before another
    request saved its own override does not write that override away."""
    miami = org["miami"]
    assert miami.attributes == {}
    with db.engine.begin() as other:
        other.execute(
            sa.update(OrganizationNode)
            .where(OrganizationNode.id == miami.id)
            .values(attributes={"billing_email": "ap@grill.example"})
        )
    services.override_attribute(staff, miami.id, "delivery_instructions", "Back door")
    db.session.expire_all()
    assert db.session.get(OrganizationNode, miami.id).attributes == {
        "billing_email": "ap@grill.example",
        "delivery_instructions": "Back door",
    }
