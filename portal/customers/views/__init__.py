"""Customer pages, split by concept: the directory (list, search, import/export, review queue)
and the profile (registration, the 360° profile and its in-place edits of details and status,
addresses, and activity: preferences, interactions, contact changes)."""

from portal.customers.views import (  # noqa: F401
    acquisition,
    activity,
    addresses,
    directory,
    profile,
    validation,
    verification,
)
