"""Candidate pairs and merges.

Neither table has a foreign key to customer: a merge deletes the secondary customer while its
candidate pairs and the merge record (which undoes it) must stay, and the merge re-points every
foreign key to customer.id, which must not include these.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.customers.models import CUSTOMER_ID_LENGTH
from portal.duplicates.values import CandidateSource, CandidateStatus
from portal.extensions import db
from portal.models import BigId, UTCDateTime, Uuid, new_uuid, string_enum, utcnow


class DuplicateCandidate(db.Model):
    """Two customers the matcher thinks are one person; customer_a < customer_b."""

    __tablename__ = "duplicate_candidate"
    __table_args__ = (
        UniqueConstraint("customer_a", "customer_b"),
        # The review queue: open pairs, most probable first.
        Index("ix_duplicate_candidate_status_probability", "status", "probability", "id"),
        Index("ix_duplicate_candidate_customer_b", "customer_b"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    customer_a: Mapped[str] = mapped_column(String(CUSTOMER_ID_LENGTH))
    customer_b: Mapped[str] = mapped_column(String(CUSTOMER_ID_LENGTH))
    probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    # [{"field", "label", "weight", "left", "right"}]: the explanation, as scored.
    weights: Mapped[list] = mapped_column(JSON)
    status: Mapped[CandidateStatus] = mapped_column(string_enum(CandidateStatus))
    source: Mapped[CandidateSource] = mapped_column(string_enum(CandidateSource))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class CustomerMerge(db.Model):
    """One merge of `secondary_id` into `primary_id`; `undo` holds what reverses it: the
    secondary's rows as they were, the ids of the rows moved to the primary, and the primary's
    values the merge replaced."""

    __tablename__ = "customer_merge"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    primary_id: Mapped[str] = mapped_column(String(CUSTOMER_ID_LENGTH), index=True)
    secondary_id: Mapped[str] = mapped_column(String(CUSTOMER_ID_LENGTH), index=True)
    category_override: Mapped[bool] = mapped_column(Boolean, default=False)
    # CustomerMerged's merged data summary: the fields and where each value came from.
    summary: Mapped[dict] = mapped_column(JSON)
    undo: Mapped[dict] = mapped_column(JSON)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    merged_by: Mapped[str] = mapped_column(Uuid)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
