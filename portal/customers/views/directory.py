"""The customer directory: list and active search, CSV import/export, the review queue."""

from __future__ import annotations
