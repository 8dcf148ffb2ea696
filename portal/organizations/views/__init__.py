"""Organisation pages, split by concept: the tree (browser, node panel, edits, chart) and the
people (members, roles, invitations)."""

from portal.organizations.views import people, tree  # noqa: F401
