"""Use cases of the rule editor: save a rule at a node (checked chain), delete it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from portal.approvals import directory, rules
from portal.approvals.models import ApprovalRule
from portal.approvals.values import Operator, Subject
from portal.domain import DomainError, NotFound, load, use_case
from portal.extensions import db
from portal.limits import column_range_error, column_text_error
from portal.models import utcnow
from portal.organizations.models import OrganizationNode, OrganizationRole
from portal.security import audit
from portal.security.models import User

DECIDE = "org:approvals:decide"


@dataclass(frozen=True)
class RuleDraft:
    name: str
    subject: Subject
    operator: Operator
    thresholds: dict[str, int]
    chain: rules.Chain
    requester_role_ids: tuple[str, ...] = ()
    expire_when_overdue: bool = False
    position: int = 0
    errors: dict[str, list[str]] = field(default_factory=dict)  # shape errors from the form


def _errors(node: OrganizationNode, draft: RuleDraft) -> dict[str, list[str]]:
    errors = {k: list(v) for k, v in draft.errors.items()}
    if not draft.name.strip():
        errors.setdefault("name", []).append("Give the rule a name.")
    elif message := column_text_error(ApprovalRule.name, draft.name.strip()):
        errors.setdefault("name", []).append(message)
    if message := column_range_error(ApprovalRule.position, draft.position):
        errors.setdefault("position", []).append(message)
    if draft.operator is not Operator.ANY and not draft.thresholds:
        errors.setdefault("thresholds", []).append("Give a threshold in at least one currency.")
    roles = {
        r.id: r
        for r in db.session.scalars(
            select(OrganizationRole).where(OrganizationRole.organization_id == node.organization_id)
        )
    }
    used = {r for tier in draft.chain for g in tier.groups for r in g.roles}
    if unknown := (used | set(draft.requester_role_ids)) - set(roles):
        errors.setdefault("chain", []).append(f"Unknown roles: {', '.join(sorted(unknown))}.")
        return errors
    chain_errors = [
        f"{roles[r].name} cannot decide approvals; give the role that permission first."
        for r in sorted(used)
        if DECIDE not in roles[r].permissions
    ]
    today = utcnow().date()
    chain_errors += rules.chain_errors(
        draft.chain,
        lambda group: directory.eligible_for_rule(group, node, today),
        {r.id: r.name for r in roles.values()},
    )
    if chain_errors:
        errors.setdefault("chain", []).extend(chain_errors)
    return errors


@use_case
def save_rule(
    actor: User, node_id: str, draft: RuleDraft, rule_id: str | None = None
) -> ApprovalRule:
    """Create a rule at the node, or replace the rule `rule_id` there (pending requests keep
    their snapshot)."""
    node = load(OrganizationNode, node_id, "node")
    rule = load(ApprovalRule, rule_id, "rule") if rule_id else None
    if rule is not None and rule.node_id != node.id:
        raise NotFound("rule")
    if errors := _errors(node, draft):
        raise DomainError(errors)
    if rule is None:
        rule = ApprovalRule(
            organization_id=node.organization_id, node_id=node.id, created_by=actor.email
        )
        db.session.add(rule)
    rule.name, rule.subject, rule.operator = draft.name.strip(), draft.subject, draft.operator
    rule.thresholds, rule.requester_role_ids = (
        dict(draft.thresholds),
        list(draft.requester_role_ids),
    )
    rule.chain, rule.expire_when_overdue = (
        rules.chain_to_json(draft.chain),
        draft.expire_when_overdue,
    )
    rule.position = draft.position
    db.session.flush()
    audit.record(
        "approval.rule_saved",
        user=actor,
        record_type="org_node",
        record_id=node.id,
        summary=f"Approval rule {rule.name} ({draft.subject.label}) with {len(draft.chain)} tiers",
        details={"rule_id": rule.id, "thresholds": rule.thresholds, "chain": rule.chain},
    )
    db.session.commit()
    return rule


@use_case
def delete_rule(actor: User, rule_id: str) -> None:
    rule = load(ApprovalRule, rule_id, "rule")
    audit.record(
        "approval.rule_deleted",
        user=actor,
        record_type="org_node",
        record_id=rule.node_id,
        summary=f"Deleted approval rule {rule.name}",
        details={"rule_id": rule.id},
    )
    db.session.delete(rule)
    db.session.commit()
