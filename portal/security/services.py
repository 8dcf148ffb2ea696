"""Use cases on staff accounts."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.security import audit
from portal.security.models import Role, User
from portal.security.passwords import hash_password


def create_local_user(
    email: str, name: str, password: str, role_names: list[str], *, is_demo: bool = False
) -> User:
    roles = list(db.session.scalars(select(Role).where(Role.name.in_(role_names))))
    missing = set(role_names) - {r.name for r in roles}
    if missing:
        raise ValueError(f"unknown roles: {', '.join(sorted(missing))}")
    user = User(
        email=email.strip().lower(),
        name=name,
        password_hash=hash_password(password),
        roles=roles,
        is_demo=is_demo,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created", actor="system", record_type="user", record_id=user.id, summary=email
    )
    return user
