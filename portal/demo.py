"""Demo data for the embedded default: one sign-in account per staff role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.extensions import db
from portal.security.models import User
from portal.security.permissions import STAFF_ROLES
from portal.security.services import create_local_user

DEMO_DOMAIN = "demo.efi.example"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str


def demo_accounts() -> list[DemoAccount]:
    return [
        DemoAccount(
            f"{role.name.replace('_', '.')}@{DEMO_DOMAIN}", f"demo-{role.name}-pass", role.label
        )
        for role in STAFF_ROLES
    ]


def seed_demo_users() -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; running twice changes nothing."""
    accounts = demo_accounts()
    existing = set(
        db.session.scalars(select(User.email).where(User.email.in_([a.email for a in accounts])))
    )
    for account, role in zip(accounts, STAFF_ROLES, strict=True):
        if account.email not in existing:
            create_local_user(
                account.email, f"Demo {role.label}", account.password, [role.name], is_demo=True
            )
    db.session.commit()
    return accounts
