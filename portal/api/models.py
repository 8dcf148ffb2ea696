"""Bearer tokens of the systems that call the API: shown once, stored as a SHA-256 hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import UTCDateTime, Uuid, new_uuid, utcnow


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    # The calling system ("order-service"); consumed events record it as their source.
    name: Mapped[str] = mapped_column(String(100))
    # Tokens are 256 random bits, so a fast hash is enough; a slow one would tax every call.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    scopes: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
