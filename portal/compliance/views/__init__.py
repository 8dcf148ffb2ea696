"""Compliance pages: requests (dashboard, intake, the request page and its actions),
downloads, consent, retention and reports."""

from portal.compliance.views import consent, reports, requests, retention  # noqa: F401
