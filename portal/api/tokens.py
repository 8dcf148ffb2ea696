"""Bearer tokens with scopes: issued once, stored hashed, checked by @require_token(scope)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import g, request
from sqlalchemy import select

from portal.api.models import ApiToken
from portal.errors import error_response
from portal.events.models import OutboxEvent
from portal.extensions import db
from portal.limits import max_length
from portal.models import utcnow
from portal.security import audit
from portal.security.access import ATTRIBUTE
from portal.security.audit import Caller
from portal.security.models import User

SCOPES = {
    "customers:read": "Read customers: GET /api/v1/customers…",
    "customers:write": "Register customers and edit their profiles: POST /api/v1/customers, "
    "PATCH /api/v1/customers/{id}",
    "events:write": "Send the events the customer domain consumes: POST /api/v1/events",
    "approvals": "Submit purchase orders for approval and read decisions: /api/v1/approvals…",
    "loyalty": "Read loyalty balances and redeem points: /api/v1/customers/…/loyalty…",
}
# What permission_of() reports for a token-protected view: a token scope, not a staff permission.
SCOPE_PREFIX = "token:"
# The longest actor an event records (OutboxEvent.actor).
ACTOR_LENGTH = max_length(OutboxEvent.actor)
# Writing last_used_at on every call would cost a commit per request.
USE_RESOLUTION = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def listed() -> list[ApiToken]:
    """Every token, newest first (the administrators' list)."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())))


def issue(actor: User, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token for the system `name`; the clear token is returned once, never stored."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"unknown or no scopes: {sorted(unknown)}")
    clear = f"efi_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        name=name.strip(),
        token_hash=_digest(clear),
        prefix=clear[:12],
        scopes=sorted(scopes),
        created_by=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.issue",
        user=actor,
        record_type="api_token",
        record_id=token.id,
        summary=f"Token {token.prefix}… for {token.name}: {', '.join(token.scopes)}",
    )
    db.session.commit()
    return token, clear


def revoke(actor: User, token: ApiToken) -> None:
    token.revoked_at = utcnow()
    audit.record(
        "api_token.revoke",
        user=actor,
        record_type="api_token",
        record_id=token.id,
        summary=f"Token {token.prefix}… for {token.name} revoked",
    )
    db.session.commit()


def authenticate(header: str) -> ApiToken | None:
    scheme, _, clear = header.partition(" ")
    if scheme.lower() != "bearer" or not clear.strip():
        return None
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == _digest(clear.strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if token is not None:
        now = utcnow()
        if token.last_used_at is None or now - token.last_used_at > USE_RESOLUTION:
            token.last_used_at = now
            db.session.commit()
    return token


def require_token(scope: str) -> Callable:
    """Allow the view to callers presenting a bearer token with `scope`: 401 without a valid
    token (JSON, never a sign-in redirect), 403 without the scope."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            token = authenticate(request.headers.get("Authorization", ""))
            if token is None:
                response = error_response(401, "Send a valid API token: Authorization: Bearer …")
                response.headers["WWW-Authenticate"] = 'Bearer realm="efi"'
                return response
            if scope not in token.scopes:
                return error_response(403, f"This token lacks the scope {scope}.")
            g.api_token = token
            return view(*args, **kwargs)

        setattr(guarded, ATTRIBUTE, SCOPE_PREFIX + scope)
        return guarded

    return decorate


def caller() -> Caller:
    """The system calling with this request's token, as the use cases and the audit trail name
    it: events record its name (within their actor column), the trail the token's prefix."""
    token = g.api_token
    return Caller(id=f"api:{token.name}"[:ACTOR_LENGTH], name=f"API token {token.prefix}…")


def record_reads(customer_ids: list[str], what: str) -> None:
    """A read of customers' data through the API is audited as a page view is: an entry per
    customer, naming the token that read it (the caller is a system, not a signed-in user)."""
    token = g.api_token
    for customer_id in customer_ids:
        audit.record(
            "customer.viewed",
            user=caller(),
            record_type="customer",
            record_id=customer_id,
            summary=what,
            details={"api": request.path, "token": token.name},
        )
    db.session.commit()
