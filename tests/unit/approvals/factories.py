"""Approval rules and requests for tests, on the organisation factories' grill group."""

from __future__ import annotations

from portal.approvals import services
from portal.approvals.rules import Group, Tier
from portal.approvals.values import DeadlineUnit, Operator, Subject
from portal.organizations.models import OrganizationNode
from portal.security.models import User
from tests.unit.organizations.factories import role


def tier(*groups: Group, deadline: int | None = None, unit=DeadlineUnit.WORKING_DAYS) -> Tier:
    return Tier(groups=groups, deadline=deadline, unit=unit)


def roles(root: OrganizationNode, *names: str) -> Group:
    return Group(roles=tuple(role(root, n).id for n in names))


def po_rule(
    actor: User,
    node: OrganizationNode,
    *tiers: Tier,
    over: int = 500_000,
    currency: str = "USD",
    **fields,
):
    """Purchase orders over `over` minor units of `currency` at `node` need `tiers`."""
    return services.save_rule(
        actor,
        node.id,
        services.RuleDraft(
            name=fields.pop("name", "Large orders"),
            subject=Subject.PURCHASE_ORDER,
            operator=fields.pop("operator", Operator.GT),
            thresholds={currency: over},
            chain=tiers,
            **fields,
        ),
    )


def po(amount: int, currency: str = "USD", description: str = "Kitchen equipment"):
    return services.Draft(
        Subject.PURCHASE_ORDER,
        description,
        amount_minor=amount,
        currency=currency,
        lines=[{"sku": "OVEN-1", "quantity": 1, "amountMinor": amount}],
    )
