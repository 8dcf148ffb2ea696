"""Writing the audit trail. Entries join the caller's transaction; the caller commits."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert

from portal.extensions import db
from portal.security.models import AuditEntry, User

SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"
OUTCOMES = (SUCCESS, FAILURE, DENIED)

# Free text (approval descriptions, audit summaries) names a customer by this marker and an id
# beside it, never by the name: the name is put in at display time, so erasing the customer
# leaves no copy of it in the text (docs/privacy.md).
CUSTOMER_NAME = "{customer}"


def with_customer_name(text: str, name: str | None) -> str:
    return text.replace(CUSTOMER_NAME, name or "a customer")


# The current names of customers by id; the customers area registers it at app start
# (security sits below every area and imports none).
CustomerNames = Callable[[Collection[str]], dict[str, str]]
_customer_names: list[CustomerNames] = []


def names_customers_with(resolver: CustomerNames) -> None:
    _customer_names[:] = [resolver]


def customer_names(ids: Collection[str]) -> dict[str, str]:
    """The names of these customers that still exist (none when no area names customers)."""
    return _customer_names[0](ids) if _customer_names and ids else {}


@dataclass(frozen=True)
class Caller:
    """Someone acting who is no staff user: another system calling the API with its token. A
    use case takes it where it takes the acting user: events and histories record its `id` as
    they record a user's, the audit trail names it by `name`."""

    id: str
    name: str


# Who a use case acts for: a member of staff, or a system through the API.
Actor = User | Caller


def _request_facts() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return request.remote_addr, g.get("request_id")


def _entry(
    action: str,
    *,
    outcome: str = SUCCESS,
    user: Actor | None = None,
    actor: str | None = None,
    record_type: str | None = None,
    record_id: str | None = None,
    summary: str = "",
    details: dict | None = None,
) -> dict:
    """The columns of one entry. `user` defaults to the signed-in user; `actor` names someone
    who is not (yet) a user, such as the e-mail typed into a failed sign-in, or "system"; a
    `Caller` as `user` is named so too."""
    if isinstance(user, Caller):
        user, actor = None, user.name
    elif user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    ip, request_id = _request_facts()
    return {
        "user_id": user.id if user else None,
        "actor": (user.email if user else None) or actor or "anonymous",
        "ip": ip,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "outcome": outcome,
        "summary": summary,
        "details": details,
        "request_id": request_id,
    }


def record(action: str, **kwargs) -> AuditEntry:
    """Add one audit entry to the current transaction (arguments: `_entry`'s)."""
    entry = AuditEntry(**_entry(action, **kwargs))
    db.session.add(entry)
    return entry


# One INSERT, no object: a page view writes nothing else, so the unit of work would only add
# CPU (an object to track and flush, the id read back) to every audited request.
_INSERT = insert(AuditEntry.__table__)


def record_now(action: str, **kwargs) -> None:
    """Record and commit at once: for denials and views, where no other change is pending.

    The commit leaves the session's objects loaded: only the entry changed, so what the page
    already read is still what it shows, and expiring it would reload the user and the
    customer row by row while the template renders (two to four queries a page view).
    """
    session = db.session()
    session.execute(_INSERT, _entry(action, **kwargs))
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring
