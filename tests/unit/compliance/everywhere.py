"""A customer with personal data in every area, for the erasure and export tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from portal.compliance.models import ConsentRecord
from portal.compliance.values import ConsentChannel, ConsentPurpose
from portal.customers import services
from portal.customers.values import ContactField, CustomerType, InteractionType, Preferences
from portal.extensions import db
from portal.models import utcnow
from portal.security import audit
from portal.segmentation.behaviour import record_order_placed
from tests.factories import BUSINESS, address, new_customer


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    phone: str
    street: str
    tax_id: str

    @property
    def traces(self) -> list[str]:
        return [self.name, self.email, self.phone, self.street, self.tax_id]


def customer_everywhere(staff) -> Person:
    customer = services.register_customer(
        staff,
        new_customer(
            CustomerType.FULL_SERVICE_RESTAURANT,
            name="Winston Blackwood",
            contact=new_customer().contact.__class__(
                email="winston.blackwood@example.org", phone="+18765550199"
            ),
        ),
    )
    added = services.add_address(staff, customer.id, address(street1="77 Lilyfield Crescent"))
    services.update_preferences(
        staff,
        customer.id,
        Preferences(
            channels=("EMAIL",),
            product_interests=("sauces",),
            special_dates=({"label": "Winston Blackwood birthday", "date": "05-14"},),
        ),
    )
    services.record_interaction(
        staff, customer.id, InteractionType.CALL, "Winston Blackwood called about 77 Lilyfield"
    )
    services.request_contact_change(
        staff, customer.id, ContactField.EMAIL, "w.blackwood@example.net"
    )
    now = utcnow()
    record_order_placed(customer.id, "ord-1", 12_50, "USD", now - timedelta(days=3))
    db.session.add(
        ConsentRecord(
            customer_id=customer.id,
            purpose=ConsentPurpose.MARKETING_EMAIL,
            granted=True,
            channel=ConsentChannel.WEB_FORM,
            notice_version="2026-01",
            recorded_by=staff.id,
        )
    )
    audit.record(
        "customer.viewed",
        user=staff,
        record_type="customer",
        record_id=customer.id,
        summary=f"Viewed {customer.name} (overview)",
    )
    db.session.commit()
    return Person(
        customer.id,
        customer.name,
        customer.email,
        customer.phone,
        added.street1,
        BUSINESS.tax_id,
    )
