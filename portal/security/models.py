"""Users, roles, permissions, server-side sign-in sessions and the append-only audit log."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal.models import UTCDateTime, Uuid, new_uuid, utcnow

role_permission = Table(
    "role_permission",
    db.metadata,
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_name", ForeignKey("permission.name", ondelete="CASCADE"), primary_key=True),
)

user_role = Table(
    "user_role",
    db.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)


class Permission(db.Model):
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    description: Mapped[str] = mapped_column(String(300))


class Role(db.Model):
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300), default="")
    permissions: Mapped[list[Permission]] = relationship(
        secondary=role_permission, order_by=Permission.name
    )


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[str] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # SSO users are identified by (issuer, sub), never by e-mail.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # "staff" hold staff roles; "external" people of B2B customers hold none and get their
    # rights only from organisation roles (portal.organizations.access).
    kind: Mapped[str] = mapped_column(String(20), default="staff", server_default="staff")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[Role]] = relationship(secondary=user_role, order_by=Role.name)

    # The sign-in session this object was loaded for (Flask-Login stores its id).
    session_id = None
    _permissions = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_id

    @property
    def permissions(self) -> frozenset[str]:
        if self._permissions is None:
            rows = db.session.scalars(
                select(role_permission.c.permission_name)
                .join(user_role, user_role.c.role_id == role_permission.c.role_id)
                .where(user_role.c.user_id == self.id)
            )
            self._permissions = frozenset(rows)
        return self._permissions

    def hold(self, permissions: str | None) -> None:
        """The permissions, comma-separated, as the session loader read them with the user."""
        self._permissions = frozenset(permissions.split(",")) if permissions else frozenset()

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class AuthSession(db.Model):
    """A sign-in session; the cookie only names it, so sign-out ends it for every copy."""

    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # SSO: the provider's ID token, sent back as `id_token_hint` at sign-out; cleared then.
    id_token: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()


class AuditEntry(db.Model):
    """Append-only: when, who, from where, what, which record, outcome."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_record", "record_type", "record_id"),
        Index("ix_audit_entry_user_at", "user_id", "at"),
        Index("ix_audit_entry_outcome_at_action", "outcome", "at", "action"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # No foreign key: the trail outlives the accounts it mentions.
    user_id: Mapped[str | None] = mapped_column(Uuid)
    actor: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(80), index=True)
    record_type: Mapped[str | None] = mapped_column(String(60))
    record_id: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(36))
    summary: Mapped[str] = mapped_column(Text, default="")


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries are never changed or deleted")
