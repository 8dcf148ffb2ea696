"""What other contexts read: the customer (one representation for both lookups) and an
approval request with its decisions."""

from __future__ import annotations

from sqlalchemy import select

from portal.approvals import queries as approvals
from portal.approvals.models import ApprovalRequest
from portal.approvals.rules import format_amount
from portal.customers import search_index
from portal.customers.models import Customer, CustomerPreference, customer_search_term
from portal.customers.queries.profile import with_details
from portal.extensions import db
from portal.segmentation.models import CustomerSegment, Segment

EMAIL_MATCHES = 20


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _segment(customer_id: str) -> dict | None:
    row = db.session.execute(
        select(CustomerSegment, Segment)
        .join(Segment, Segment.id == CustomerSegment.segment_id)
        .where(CustomerSegment.customer_id == customer_id)
    ).first()
    if row is None:
        return None
    assignment, segment = row
    return {
        "segmentType": segment.segment_type.value,
        "specificSegment": segment.name,
        "since": _iso(assignment.since),
        "overriddenUntil": _iso(assignment.override_until),
    }


def represent(customer: Customer) -> dict:
    preference: CustomerPreference | None = customer.preference
    return {
        "id": customer.id,
        "name": customer.name,
        "customerType": customer.customer_type.value,
        "isBusiness": customer.customer_type.is_b2b,
        "status": customer.status.value,
        "email": customer.email,
        "phone": customer.phone,
        "createdAt": _iso(customer.created_at),
        "acquisitionChannel": customer.acquisition_channel,
        "acquisitionSource": customer.acquisition_source,
        "segment": _segment(customer.id),
        "contactPreferences": {
            "preferredContactMethod": (
                customer.preferred_contact_method.value
                if customer.preferred_contact_method
                else None
            ),
            "preferredContactTime": customer.preferred_contact_time,
            "doNotContact": customer.do_not_contact,
            "marketingOptOut": customer.marketing_opt_out,
            "channels": list(preference.channels) if preference else [],
            "frequency": preference.frequency if preference else None,
            "language": preference.language if preference else None,
        },
        "addresses": [
            {
                "id": a.id,
                "addressType": a.address_type.value,
                "isDefault": a.is_default,
                "verified": a.verified,
                "street1": a.street1,
                "street2": a.street2,
                "city": a.city,
                "state": a.state,
                "postalCode": a.postal_code,
                "country": a.country,
            }
            for a in customer.addresses
        ],
        "canPlaceOrders": customer.can_place_orders,
        "version": customer.version_id,
    }


def customer_by_id(customer_id: str) -> dict | None:
    customer = db.session.scalars(with_details().where(Customer.id == customer_id)).unique().first()
    return represent(customer) if customer else None


def customers_by_email(email: str) -> list[dict]:
    """Primary e-mail, case-insensitive: found through the directory's case-folded e-mail
    terms (one B-tree lookup), then compared exactly, as those terms fold accents too."""
    email = email.strip()
    pattern = email.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    folded = select(customer_search_term.c.customer_id).where(
        customer_search_term.c.term == search_index.EMAIL + search_index.fold(email)
    )
    customers = db.session.scalars(
        with_details()
        .where(Customer.id.in_(folded), Customer.email.ilike(pattern, escape="\\"))
        .order_by(Customer.id)
        .limit(EMAIL_MATCHES)
    ).unique()
    return [represent(c) for c in customers]


def approval(request: ApprovalRequest) -> dict:
    return {
        "id": request.id,
        "reference": request.external_ref,
        "status": request.status,
        "subject": request.subject,
        "description": approvals.title(request),
        "amountMinor": request.amount_minor,
        "currency": request.currency,
        "amount": format_amount(request.amount_minor, request.currency),
        "nodeId": request.node_id,
        "round": request.round,
        "tier": request.tier + 1 if request.chain else None,
        "tiers": len(request.chain),
        "rule": request.rule_name or None,
        "createdAt": _iso(request.created_at),
        "completedAt": _iso(request.completed_at),
        "steps": [
            {
                "action": s["action"],
                "round": s["round"],
                "tier": s["tier"],
                "by": s["by"],
                "onBehalfOf": s["on_behalf_of"],
                "comment": s["comment"],
                "at": _iso(s["at"]),
            }
            for s in approvals.history(request)
        ],
    }
