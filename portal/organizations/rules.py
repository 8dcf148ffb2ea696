"""Pure rules of the organisation tree and its roles: no database, no request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portal.organizations.models import SEGMENT_WIDTH
from portal.organizations.permissions import ORG_PERMISSIONS
from portal.organizations.values import ATTRIBUTES, CHOICES, NodeType

Errors = dict[str, list[str]]

# Which types a node may contain. Departments nest (a kitchen within operations); a department
# never contains a location or a division, and only a root is an organisation.
ALLOWED_CHILDREN: dict[NodeType, frozenset[NodeType]] = {
    NodeType.ORGANIZATION: frozenset({NodeType.DIVISION, NodeType.LOCATION, NodeType.DEPARTMENT}),
    NodeType.DIVISION: frozenset({NodeType.DIVISION, NodeType.LOCATION, NodeType.DEPARTMENT}),
    NodeType.LOCATION: frozenset({NodeType.DEPARTMENT}),
    NodeType.DEPARTMENT: frozenset({NodeType.DEPARTMENT}),
}
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def nesting_error(parent_type: NodeType, child_type: NodeType) -> str | None:
    if child_type not in ALLOWED_CHILDREN[parent_type]:
        return f"A {parent_type.label.lower()} cannot contain a {child_type.label.lower()}."
    return None


def node_errors(name: str, code: str) -> Errors:
    errors: Errors = {}
    if not name.strip():
        errors["name"] = ["Give the node a name."]
    if not CODE.match(code):
        errors["code"] = ["Use 1 to 40 capital letters, digits, '-' or '_'."]
    return errors


def ancestor_paths(path: str) -> list[str]:
    """The paths of every ancestor and the node itself, root first."""
    return [path[:end] for end in range(SEGMENT_WIDTH, len(path) + 1, SEGMENT_WIDTH)]


def move_error(node_path: str, node_name: str, target_path: str, target_name: str) -> str | None:
    """Refuse a move that would put a node under itself or one of its descendants."""
    if target_path.startswith(node_path):
        if target_path == node_path:
            return f"{node_name} cannot be its own parent."
        return f"{target_name} is inside {node_name}: moving it there would make a cycle."
    return None


def attribute_error(field: str, value: str) -> str | None:
    if field not in ATTRIBUTES:
        return "There is no such attribute."
    if not value.strip():
        return "Enter a value, or clear the override to inherit it."
    if field in CHOICES and value not in CHOICES[field]:
        return f"Choose one of {', '.join(CHOICES[field])}."
    if field.endswith("_email") and not EMAIL.match(value):
        return "Enter an e-mail address like name@example.com."
    if len(value) > 200:
        return "Keep it under 200 characters."
    return None


@dataclass(frozen=True)
class Ancestor:
    """What attribute resolution needs of each node on the path: root first, the node last."""

    id: str
    name: str
    path: str
    attributes: dict


@dataclass(frozen=True)
class EffectiveAttribute:
    field: str
    label: str
    value: str | None
    # None when the node sets the value itself (or nobody does); else the nodes from the root
    # to the one that sets it, for "inherited from Caribbean Grill Group > East Division".
    inherited_from: tuple[Ancestor, ...] | None
    overridden: bool


def effective_attributes(chain: Sequence[Ancestor]) -> list[EffectiveAttribute]:
    """Each attribute's value at the last node of `chain`: the nearest node that sets it wins."""
    node = chain[-1]
    result = []
    for field, label in ATTRIBUTES.items():
        source = next(
            (i for i in range(len(chain) - 1, -1, -1) if field in chain[i].attributes), None
        )
        if source is None:
            result.append(EffectiveAttribute(field, label, None, None, False))
        elif source == len(chain) - 1:
            result.append(EffectiveAttribute(field, label, node.attributes[field], None, True))
        else:
            value = chain[source].attributes[field]
            result.append(
                EffectiveAttribute(field, label, value, tuple(chain[: source + 1]), False)
            )
    return result


def unknown_permissions(permissions: Iterable[str]) -> set[str]:
    return set(permissions) - set(ORG_PERMISSIONS)


def escalation(wanted: Iterable[str], held: Iterable[str]) -> list[str]:
    """Permissions in `wanted` that the actor does not hold: nobody hands out more than they
    have. Sorted in catalogue order for the message."""
    missing = set(wanted) - set(held)
    return [p for p in ORG_PERMISSIONS if p in missing]


def permissions_at(grants: Iterable, path: str) -> set[str]:
    """What a member holds at `path`: every role assigned there or at an ancestor."""
    held: set[str] = set()
    for grant in grants:
        if path.startswith(grant.path):
            held |= grant.permissions
    return held
