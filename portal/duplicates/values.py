"""What the duplicates area decides about: the state of a candidate pair and merge choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from portal.labels import Labelled


class CandidateStatus(Labelled):
    OPEN = "OPEN"
    DISMISSED = "DISMISSED", "Not a duplicate"  # "not a duplicate": never proposed again
    MERGED = "MERGED"


class CandidateSource(Labelled):
    SCAN = "SCAN", "Full scan"
    REGISTRATION = "REGISTRATION", "At registration"


# How long a merge can be undone.
UNDO_WINDOW = timedelta(days=30)

# The customer fields a merge chooses a surviving value for, in the order the preview shows.
MERGED_FIELDS = (
    "name",
    "email",
    "phone",
    "alternative_email",
    "alternative_phone",
    "preferred_contact_method",
    "preferred_contact_time",
    "legal_entity_name",
    "dba_name",
    "industry_code",
    "year_established",
    "company_size",
    "organization_type",
    "payment_terms",
)


@dataclass(frozen=True)
class MergeRequest:
    """What the reviewer decided: who survives, the versions the preview showed, the fields
    whose value comes from the secondary, and whether B2C/B2B may be merged."""

    primary_id: str
    secondary_id: str
    primary_version: int
    secondary_version: int
    take_from_secondary: frozenset[str] = field(default_factory=frozenset)
    category_override: bool = False
