"""Segmentation pages, split by concept: the segments and their editor, a customer's segment,
the reports and notifications."""

from portal.segmentation.views import customer, editor, reports  # noqa: F401
