"""Factories for customer data: valid inputs per type, and a look into the outbox."""

from __future__ import annotations

import sqlalchemy as sa

from portal.customers.values import (
    AddressData,
    AddressType,
    BusinessIdentification,
    ContactInfo,
    CustomerType,
    NewCustomer,
)
from portal.events.models import OutboxEvent
from portal.extensions import db

TYPE_DATA = {
    CustomerType.DIASPORA_COMMUNITY: {
        "origin_region": "Kingston, Jamaica",
        "cultural_affinity": "strong",
        "generational_remove": 1,
        "caribbean_cuisines": ["JAMAICAN"],
    },
    CustomerType.EXPAT: {"country_of_origin": "TT", "residency_status": "WORK_PERMIT"},
    CustomerType.TOURIST: {"first_encounter": "Montego Bay market"},
    CustomerType.INDIGENOUS_FOODIE: {"culinary_interests": ["jerk"], "family_size": 3},
    CustomerType.FOOD_TRUCK: {"license_permit": "MFV-1234", "operating_locations": ["Downtown"]},
    CustomerType.LIMITED_SERVICE_RESTAURANT: {"cuisine_type": "Jamaican", "seating_capacity": 20},
    CustomerType.FULL_SERVICE_RESTAURANT: {"cuisine_type": "Haitian", "seating_capacity": 80},
    CustomerType.HOTEL_RESTAURANT: {"star_rating": 4, "dining_venues": 2},
    CustomerType.PRIVATE_CHEF: {"service_area": "Miami-Dade", "client_capacity": 12},
    CustomerType.SPECIALTY_MARKET: {"retail_square_footage": 1500, "customer_volume": 400},
}
BUSINESS = BusinessIdentification(
    tax_id="12-3456789", registration_number="REG-998877", legal_entity_name="Jerk Co LLC"
)


def new_customer(customer_type=CustomerType.DIASPORA_COMMUNITY, **overrides) -> NewCustomer:
    fields = {
        "name": "Marcia Campbell",
        "customer_type": customer_type,
        "contact": ContactInfo(email="marcia@example.org", phone="+18765551234"),
        "type_data": dict(TYPE_DATA[customer_type]),
        "business": BUSINESS if customer_type.is_b2b else None,
    }
    fields.update(overrides)
    return NewCustomer(**fields)


def address(**overrides) -> AddressData:
    fields = {
        "address_type": AddressType.SHIPPING,
        "street1": "12  Hope Road",
        "city": "new york",
        "state": "ny",
        "postal_code": "10001",
        "country": "us",
    }
    fields.update(overrides)
    return AddressData(**fields)


def events(event_type: str | None = None) -> list[OutboxEvent]:
    query = sa.select(OutboxEvent).order_by(OutboxEvent.occurred_at)
    if event_type:
        query = query.where(OutboxEvent.type == event_type)
    return list(db.session.scalars(query))


class Outbox:
    """Stands in for the notification port and keeps what it was asked to send."""

    def __init__(self):
        self.codes: dict[str, str] = {}

    def send_verification_code(self, *, customer_id, field, destination, code):
        self.codes[destination] = code
