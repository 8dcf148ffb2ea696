"""Customer pages, split by concept: the directory (list, search, import/export, review queue)
and the profile (registration, the 360° profile and its in-place edits)."""

from portal.customers.views import directory, profile  # noqa: F401
