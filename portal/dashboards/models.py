"""Marketing spend: what marketing paid per acquisition source and month, the numerator of the
customer acquisition cost (queries.acquisition_cost)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import UTCDateTime, Uuid, utcnow


class MarketingSpend(db.Model):
    """Spend on one source in one month in one currency, in minor units (cents); a second
    currency for the same month is its own row, never added to the first."""

    __tablename__ = "marketing_spend"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)  # AcquisitionSource.code
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)  # ISO 4217
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
