"""Vocabulary of the organisation area: node types and statuses, the attribute fields."""

from __future__ import annotations

from portal.labels import Labelled, declare

EXTERNAL = "external"  # user_account.kind of a customer's people (staff: "staff")
HISTORY = "org_node"  # audit record type that a node's history tab lists


class NodeType(Labelled):
    ORGANIZATION = "ORGANIZATION"
    DIVISION = "DIVISION"
    LOCATION = "LOCATION"
    DEPARTMENT = "DEPARTMENT"


class NodeStatus(Labelled):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    PENDING = "PENDING"


class MemberStatus(Labelled):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class CompanySize(Labelled):
    MICRO = "MICRO"
    SMALL = "SMALL"
    MEDIUM = "MEDIUM"
    LARGE = "LARGE"
    ENTERPRISE = "ENTERPRISE"


# The document's attributes, flattened so that each one is inherited and overridden on its own
# (a location can change its delivery instructions and keep the group's billing e-mail).
ATTRIBUTES: dict[str, str] = {
    "tax_id": "Tax id",
    "registration_number": "Registration number",
    "industry_code": "Industry code",
    "company_size": "Company size",
    "contact_name": "Primary contact",
    "contact_email": "Primary contact e-mail",
    "contact_phone": "Primary contact phone",
    "billing_email": "Billing e-mail",
    "payment_terms": "Payment terms",
    "invoice_delivery": "Invoice delivery",
    "shipping_method": "Shipping method",
    "delivery_instructions": "Delivery instructions",
}
# Never in clear in the audit trail or the outbox, as for customers' identifiers.
SECRET_ATTRIBUTES = frozenset({"tax_id", "registration_number"})
MASK = "***"
CHOICES: dict[str, tuple[str, ...]] = {
    "company_size": tuple(CompanySize),
    "payment_terms": ("PREPAID", "NET15", "NET30", "NET60"),
    "invoice_delivery": ("EMAIL", "POST", "PORTAL"),
    "shipping_method": ("STANDARD", "EXPRESS", "REFRIGERATED", "PICKUP"),
}
declare(
    (code for options in CHOICES.values() for code in options),
    {"EMAIL": "E-mail", "POST": "Post", "PORTAL": "Portal", "REFRIGERATED": "Refrigerated"},
)
