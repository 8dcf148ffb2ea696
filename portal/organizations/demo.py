"""Demo organisation for `make run`: Caribbean Grill Group with its admin and a buyer.

Built through the use cases (the invitation flow included), so the demo shows the same audit
trail and events as real use. Running it twice changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.customers.services import register_customer
from portal.customers.values import BusinessIdentification, ContactInfo, CustomerType, NewCustomer
from portal.demo import DEMO_DOMAIN, DemoAccount, demo_accounts
from portal.extensions import db
from portal.models import utcnow
from portal.organizations import queries, services
from portal.organizations.models import OrganizationNode
from portal.organizations.values import NodeType
from portal.security.models import User

NAME = "Caribbean Grill Group"
ACCOUNTS = (
    DemoAccount(f"grill.admin@{DEMO_DOMAIN}", "demo-org-admin-pass", "Grill Group admin"),
    DemoAccount(f"grill.buyer@{DEMO_DOMAIN}", "demo-org-buyer-pass", "Grill Group buyer"),
)
# (parent code, type, name, code); the root is CGG.
NODES = (
    ("CGG", NodeType.DIVISION, "East Division", "EAST"),
    ("CGG", NodeType.DIVISION, "West Division", "WEST"),
    ("CGG", NodeType.DEPARTMENT, "Central Purchasing", "PURCH"),
    ("EAST", NodeType.LOCATION, "Miami Beach", "MIA"),
    ("EAST", NodeType.LOCATION, "Fort Lauderdale", "FLL"),
    ("WEST", NodeType.LOCATION, "Tampa", "TPA"),
    ("WEST", NodeType.LOCATION, "Orlando", "MCO"),
    ("MIA", NodeType.DEPARTMENT, "Kitchen", "MIA-KIT"),
    ("MIA", NodeType.DEPARTMENT, "Front of House", "MIA-FOH"),
    ("FLL", NodeType.DEPARTMENT, "Kitchen", "FLL-KIT"),
    ("TPA", NodeType.DEPARTMENT, "Kitchen", "TPA-KIT"),
    ("TPA", NodeType.DEPARTMENT, "Catering", "TPA-CAT"),
    ("MCO", NodeType.DEPARTMENT, "Kitchen", "MCO-KIT"),
)
ATTRIBUTES = (
    ("CGG", "industry_code", "722511"),
    ("CGG", "company_size", "MEDIUM"),
    ("CGG", "billing_email", "ap@caribbeangrill.example"),
    ("CGG", "payment_terms", "NET30"),
    ("CGG", "shipping_method", "STANDARD"),
    ("EAST", "shipping_method", "REFRIGERATED"),
    ("MIA", "delivery_instructions", "Loading dock on Collins Ave, 6-10 am"),
)


class _KeepLink:
    """Stands in for the notification port: the demo accepts its own invitations."""

    link = ""

    def send_invitation(self, *, link: str, **_) -> None:
        self.link = link


def seed_demo_organization() -> list[DemoAccount]:
    """Build the organisation as the demo administrator (seed_demo_users made it)."""
    if db.session.scalar(select(OrganizationNode.id).where(OrganizationNode.name == NAME)):
        return list(ACCOUNTS)
    email = next(a.email for a in demo_accounts() if a.role == "Administrator")
    actor = db.session.scalar(select(User).where(User.email == email))
    customer = register_customer(
        actor,
        NewCustomer(
            name=NAME,
            customer_type=CustomerType.FULL_SERVICE_RESTAURANT,
            contact=ContactInfo(email="ops@caribbeangrill.example", phone="+13055550142"),
            type_data={"cuisine_type": "Caribbean", "seating_capacity": 120},
            business=BusinessIdentification(
                tax_id="59-1234567",
                registration_number="FL-P2019-0042",
                legal_entity_name="Caribbean Grill Group LLC",
            ),
        ),
    )
    root = services.create_organization(actor, customer.id, NAME, "CGG")
    nodes = {"CGG": root}
    for parent, node_type, name, code in NODES:
        nodes[code] = services.add_node(actor, nodes[parent].id, node_type, name, code)
    for code, field, value in ATTRIBUTES:
        services.override_attribute(actor, nodes[code].id, field, value)
    roles = {r.name: r for r in queries.roles(root.id)}
    for account, (code, role) in zip(ACCOUNTS, (("CGG", "Admin"), ("MIA", "Buyer")), strict=True):
        keep = _KeepLink()
        node = nodes[code]
        held = services.held_at(actor, root.id, node.path, utcnow().date())
        services.invite(
            actor, node.id, account.email, account.role, roles[role].id, held, keep, lambda t: t
        )
        user = services.accept_invitation(keep.link, account.role, account.password)
        user.is_demo = True
    db.session.commit()
    return list(ACCOUNTS)
