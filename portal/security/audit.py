"""Writing the audit trail. Entries join the caller's transaction; the caller commits."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.security.models import AuditEntry, User

SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"


def _request_facts() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return request.remote_addr, g.get("request_id")


def record(
    action: str,
    *,
    outcome: str = SUCCESS,
    user: User | None = None,
    actor: str | None = None,
    record_type: str | None = None,
    record_id: str | None = None,
    summary: str = "",
    details: dict | None = None,
) -> AuditEntry:
    """Add one audit entry to the current transaction.

    `user` defaults to the signed-in user; `actor` names someone who is not (yet) a user,
    such as the e-mail typed into a failed sign-in, or "system" for jobs.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    ip, request_id = _request_facts()
    entry = AuditEntry(
        user_id=user.id if user else None,
        actor=(user.email if user else None) or actor or "anonymous",
        ip=ip,
        action=action,
        record_type=record_type,
        record_id=record_id,
        outcome=outcome,
        summary=summary,
        details=details,
        request_id=request_id,
    )
    db.session.add(entry)
    return entry


def record_now(action: str, **kwargs) -> None:
    """Record and commit at once: for denials and views, where no other change is pending."""
    record(action, **kwargs)
    db.session.commit()
