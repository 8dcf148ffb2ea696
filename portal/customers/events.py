"""What the event catalogue (portal.events.catalogue) takes from the customer area: the enums
and the id length of the customer events' payloads, from the enums and the column they are
stored in."""

from portal.customers.models import Customer
from portal.customers.rules.status import JUSTIFICATION_LONGEST
from portal.customers.values import AddressType, ContactField, CustomerStatus
from portal.events import catalogue
from portal.limits import max_length

catalogue.supply(
    customer_id_length=max_length(Customer.id),
    customer_statuses=tuple(CustomerStatus),
    address_types=tuple(AddressType),
    contact_fields=tuple(ContactField),
    justification_length=JUSTIFICATION_LONGEST,
)
