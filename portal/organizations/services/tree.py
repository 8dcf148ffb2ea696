"""Use cases on the tree: create an organisation, add, rename, move, (de)activate nodes,
override attributes."""

from __future__ import annotations

import secrets
import string

from sqlalchemy import func, select, update

from portal.customers.models import Customer
from portal.domain import NON_FIELD, DomainError, load, use_case
from portal.extensions import db
from portal.models import new_uuid, utcnow
from portal.organizations import queries, rules
from portal.organizations.models import (
    SEGMENT_WIDTH,
    OrganizationNode,
    OrganizationRole,
    RoleAssignment,
)
from portal.organizations.permissions import ROLE_TEMPLATES
from portal.organizations.services._common import record
from portal.organizations.values import (
    ATTRIBUTES,
    MASK,
    SECRET_ATTRIBUTES,
    NodeStatus,
    NodeType,
)
from portal.security.models import User

Node = OrganizationNode
ALPHABET = string.digits + string.ascii_lowercase


def new_segment() -> str:
    # Random, so concurrent inserts need no counter; the unique path index catches a repeat.
    return "".join(secrets.choice(ALPHABET) for _ in range(SEGMENT_WIDTH - 1)) + "."


def _check_code(organization_id: str, code: str, node_id: str | None = None) -> None:
    query = select(Node.id).where(Node.organization_id == organization_id, Node.code == code)
    if node_id:
        query = query.where(Node.id != node_id)
    if db.session.scalar(query.limit(1)):
        raise DomainError.on("code", f"Another node of this organisation has the code {code}.")


def _public(field: str, value: str | None) -> str | None:
    return MASK if value and field in SECRET_ATTRIBUTES else value


@use_case
def create_organization(actor: User, customer_id: str, name: str, code: str) -> Node:
    """The root of a B2B customer's tree, with the predefined roles."""
    customer = db.session.get(Customer, customer_id)
    if customer is None or not customer.customer_type.is_b2b:
        raise DomainError.on("customer_id", "Choose a B2B customer.")
    if db.session.scalar(select(Node.id).where(Node.customer_id == customer_id)):
        raise DomainError.on("customer_id", "This customer already has an organisation.")
    errors = rules.node_errors(name, code)
    if errors:
        raise DomainError(errors)
    root_id = new_uuid()
    root = Node(
        id=root_id,
        organization_id=root_id,
        customer_id=customer_id,
        path=new_segment(),
        depth=0,
        type=NodeType.ORGANIZATION,
        name=name.strip(),
        code=code,
        status=NodeStatus.ACTIVE,
        attributes={},
        created_by=actor.email,
        updated_by=actor.email,
    )
    db.session.add(root)
    for template in ROLE_TEMPLATES:
        if template.predefined:
            db.session.add(
                OrganizationRole(
                    organization_id=root.id,
                    name=template.name,
                    description=template.description,
                    permissions=list(template.permissions),
                    predefined=True,
                )
            )
    db.session.flush()
    record(
        actor,
        "org.created",
        root,
        f"Organisation {root.name} for customer {customer_id}",
        "OrganizationCreated",
        {"customerId": customer_id, "name": root.name, "code": code},
    )
    db.session.commit()
    return root


@use_case
def add_node(actor: User, parent_id: str, node_type: NodeType, name: str, code: str) -> Node:
    parent = load(Node, parent_id, "node")
    errors = rules.node_errors(name, code)
    nesting = rules.nesting_error(parent.type, node_type)
    if nesting:
        errors.setdefault("type", []).append(nesting)
    if errors:
        raise DomainError(errors)
    _check_code(parent.organization_id, code)
    node = Node(
        organization_id=parent.organization_id,
        parent_id=parent.id,
        path=parent.path + new_segment(),
        depth=parent.depth + 1,
        type=node_type,
        name=name.strip(),
        code=code,
        # Nothing active lives under an inactive node.
        status=NodeStatus.ACTIVE if parent.status == NodeStatus.ACTIVE else parent.status,
        attributes={},
        created_by=actor.email,
        updated_by=actor.email,
    )
    db.session.add(node)
    db.session.flush()
    record(
        actor,
        "org.node_added",
        node,
        f"Added {node_type.label.lower()} {node.name} ({code}) under {parent.name}",
        "OrganizationNodeAdded",
        {
            "nodeId": node.id,
            "parentId": parent.id,
            "type": node_type.value,
            "name": node.name,
            "code": code,
        },
    )
    db.session.commit()
    return node


def _updated(actor: User, node: Node, action: str, summary: str, before: dict, after: dict):
    node.updated_by = actor.email
    node.updated_at = utcnow()
    record(
        actor,
        action,
        node,
        summary,
        "OrganizationNodeUpdated",
        {
            "nodeId": node.id,
            "modifiedFields": sorted(after),
            "previousValues": before,
            "newValues": after,
        },
    )
    db.session.commit()


@use_case
def rename_node(actor: User, node_id: str, name: str, code: str) -> Node:
    node = load(Node, node_id, "node", lock=True)
    errors = rules.node_errors(name, code)
    if errors:
        raise DomainError(errors)
    _check_code(node.organization_id, code, node.id)
    before = {"name": node.name, "code": node.code}
    after = {"name": name.strip(), "code": code}
    changed = {k: v for k, v in after.items() if before[k] != v}
    if not changed:
        return node
    node.name, node.code = after["name"], code
    summary = f"Renamed {before['name']} ({before['code']}) to {node.name} ({code})"
    _updated(actor, node, "org.node_renamed", summary, {k: before[k] for k in changed}, changed)
    return node


@use_case
def override_attribute(actor: User, node_id: str, field: str, value: str) -> Node:
    node = load(Node, node_id, "node", lock=True)
    value = value.strip()
    error = rules.attribute_error(field, value)
    if error:
        raise DomainError.on("value", error)
    before = node.attributes.get(field)
    # A new dict: JSON columns notice reassignment, not changes inside.
    node.attributes = {**node.attributes, field: value}
    shown = _public(field, value)
    summary = f"{ATTRIBUTES[field]} set to {shown} here (overrides what is inherited)"
    _updated(
        actor,
        node,
        "org.attribute_overridden",
        summary,
        {field: _public(field, before)},
        {field: shown},
    )
    return node


@use_case
def clear_override(actor: User, node_id: str, field: str) -> Node:
    node = load(Node, node_id, "node", lock=True)
    if field not in node.attributes:
        raise DomainError.on(NON_FIELD, "This node does not override that attribute.")
    before = _public(field, node.attributes[field])
    node.attributes = {k: v for k, v in node.attributes.items() if k != field}
    summary = f"{ATTRIBUTES[field]} inherited again (was {before} here)"
    _updated(actor, node, "org.attribute_cleared", summary, {field: before}, {field: None})
    return node


@use_case
def move_node(actor: User, node_id: str, new_parent_id: str) -> Node:
    node = load(Node, node_id, "node", lock=True)
    new_parent = load(Node, new_parent_id, "node")
    if node.parent_id is None:
        raise DomainError.on("parent", "The organisation itself cannot be moved.")
    if new_parent.organization_id != node.organization_id:
        raise DomainError.on("parent", "A node moves only within its own organisation.")
    error = rules.move_error(node.path, node.name, new_parent.path, new_parent.name) or (
        rules.nesting_error(new_parent.type, node.type)
    )
    if error:
        raise DomainError.on("parent", error)
    if new_parent.id == node.parent_id:
        return node
    old_path, old_parent_id = node.path, node.parent_id
    new_path = new_parent.path + node.path[-SEGMENT_WIDTH:]
    delta = new_parent.depth + 1 - node.depth
    # The whole subtree in one statement: rewrite the path prefix, shift the depth; then the
    # copies of those paths on role assignments.
    db.session.execute(
        update(Node)
        .where(queries.under(old_path))
        .values(
            path=new_path + func.substr(Node.path, len(old_path) + 1),
            depth=Node.depth + delta,
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(RoleAssignment)
        .where(queries.under(old_path, RoleAssignment.node_path))
        .values(node_path=new_path + func.substr(RoleAssignment.node_path, len(old_path) + 1)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(Node)
        .where(Node.id == node.id)
        .values(parent_id=new_parent.id, updated_by=actor.email, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    old_parent = db.session.get(Node, old_parent_id)
    db.session.expire(node)
    record(
        actor,
        "org.node_moved",
        node,
        f"Moved {node.name} from {old_parent.name} to {new_parent.name}",
        "OrganizationNodeMoved",
        {"nodeId": node.id, "previousParentId": old_parent_id, "newParentId": new_parent.id},
    )
    db.session.commit()
    return node


@use_case
def set_subtree_status(actor: User, node_id: str, status: NodeStatus) -> int:
    """Deactivate (or activate) the node and everything below it; returns how many changed."""
    node = load(Node, node_id, "node")
    if status == NodeStatus.ACTIVE and node.parent_id:
        parent_status = db.session.scalar(select(Node.status).where(Node.id == node.parent_id))
        if parent_status != NodeStatus.ACTIVE:
            raise DomainError.on(NON_FIELD, "Activate the parent first.")
    changed = db.session.execute(
        update(Node)
        .where(queries.under(node.path), Node.status != status)
        .values(status=status, updated_by=actor.email, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.expire(node)
    verb = "Deactivated" if status == NodeStatus.INACTIVE else "Activated"
    record(
        actor,
        f"org.subtree_{status.value.lower()}",
        node,
        f"{verb} {node.name} and everything below it ({changed} nodes)",
        "OrganizationSubtreeStatusChanged",
        {"nodeId": node.id, "newStatus": status.value, "affectedNodes": changed},
    )
    db.session.commit()
    return changed
