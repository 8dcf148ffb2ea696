"""Demo data for the embedded default: one sign-in account per staff role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

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


class DemoDataPresent(RuntimeError):
    """Demo customers cannot be generated again into the same database."""


def seed_demo_customers(
    count: int,
    *,
    seed: int,
    if_empty: bool = False,
    duplicates: Callable[[Connection], None] | None = None,
    progress: Callable[[int], None] = lambda n: None,
) -> int:
    """Bulk-load `count` generated customers in one transaction: into an empty database only
    (0 if `if_empty` and some exist, else DemoDataPresent); `duplicates` then registers some of
    them a second time, slightly changed (the CLI passes portal.duplicates.demo's: that area
    sits above those whose demos use this module), before the behaviour and loyalty data,
    which the duplicates get too. Returns `count`."""
    from portal.customers import demo
    from portal.customers.models import Customer
    from portal.insights.demo import seed_demo_order_lines
    from portal.loyalty.demo import seed_demo_loyalty
    from portal.security import audit
    from portal.segmentation.demo import seed_demo_segments

    if existing := db.session.scalar(select(func.count()).select_from(Customer)):
        if if_empty:
            return 0
        # The generator makes the same ids and orders again from the seed: they would clash.
        raise DemoDataPresent(
            f"The database already holds {existing:,} customers; demo customers are generated"
            " into an empty database only (start from a fresh one, or pass --if-empty)."
        )
    db.session.close()
    with db.engine.begin() as connection:
        demo.load(connection, count, seed=seed, progress=progress)
        if duplicates is not None:
            duplicates(connection)
    audit.record("demo.customers_seeded", actor="system", summary=f"{count} customers")
    db.session.commit()
    seed_demo_segments(seed=seed)
    # A step of its own after the orders exist, whoever generates them.
    with db.engine.begin() as connection:
        seed_demo_order_lines(connection)
    seed_demo_loyalty()
    return count
