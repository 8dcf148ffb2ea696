"""Customer use cases. Each takes the acting staff user first (registering and editing the
profile also take a system calling the API, security.audit.Caller), checks the domain rules,
writes the audit entry and the outbox event in one transaction, commits, and returns the entity.

On refusal they raise a DomainError (portal.domain) whose `.errors` maps field names
to messages, and nothing is saved: NotFound → 404, StaleVersion → 409, DomainError → 422.
"""

from portal.customers.services.activity import record_interaction, update_preferences
from portal.customers.services.addresses import (
    add_address,
    set_default_address,
    update_address,
    verify_address,
)
from portal.customers.services.contact_change import confirm_contact_change, request_contact_change
from portal.customers.services.importing import (
    ImportRefused,
    ImportReport,
    Outcome,
    import_customers,
)
from portal.customers.services.profile import (
    apply_approved_payment_terms,
    register_customer,
    update_customer,
)
from portal.customers.services.status import (
    change_status,
    deactivate_customer,
    flag_inactive_customers,
    override_verification,
    reactivate_customer,
)

__all__ = [
    "ImportRefused",
    "ImportReport",
    "Outcome",
    "add_address",
    "apply_approved_payment_terms",
    "change_status",
    "confirm_contact_change",
    "deactivate_customer",
    "flag_inactive_customers",
    "import_customers",
    "override_verification",
    "reactivate_customer",
    "record_interaction",
    "register_customer",
    "request_contact_change",
    "set_default_address",
    "update_address",
    "update_customer",
    "update_preferences",
    "verify_address",
]
