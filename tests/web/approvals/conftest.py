"""The unit tests' grill group and people, for the pages."""

from tests.unit.approvals.conftest import org, people  # noqa: F401
