"""Sign-in use cases: local accounts, single sign-on, sessions."""

from __future__ import annotations

import secrets
from datetime import datetime
from functools import cache
from typing import NoReturn

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Select, bindparam, func, select, true, update

from portal.extensions import db
from portal.metrics import LOCKOUTS, SIGN_IN_FAILURES
from portal.models import utcnow
from portal.security import audit
from portal.security.models import AuthSession, Role, User, role_permission, user_role
from portal.security.passwords import hash_password, needs_rehash, verify_password


class SignInError(Exception):
    """Sign-in refused. The message is safe to show: it never reveals whether an account exists."""


GENERIC_FAILURE = (
    "Sign-in failed: the e-mail or password is wrong, or sign-in is paused after repeated "
    "failures. Try again later or ask an administrator."
)


def authenticate_local(email: str, password: str) -> User:
    """Check a local password, counting failures and locking the account after too many."""
    config = current_app.config
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(User.email == email))
    now = utcnow()
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not user.active or locked or not ok:
        if user is not None and not locked:
            user.failed_logins += 1
            if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
                user.locked_until = now + config["LOGIN_LOCKOUT"]
                user.failed_logins = 0
                LOCKOUTS.inc()
                audit.record(
                    "auth.locked", outcome=audit.FAILURE, user=user, summary="too many failures"
                )
        reason = (
            "locked"
            if locked
            else "unknown"
            if user is None
            else "inactive"
            if not user.active
            else "password"
        )
        SIGN_IN_FAILURES.labels(reason).inc()
        audit.record(
            "auth.sign_in",
            outcome=audit.FAILURE,
            user=user,
            actor=email,
            details={"method": "local", "reason": reason},
        )
        db.session.commit()
        raise SignInError(GENERIC_FAILURE)
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):  # made with older parameters: today's from now on
        user.password_hash = hash_password(password)
    return user


def start_session(
    user: User,
    method: str,
    ip: str | None,
    user_agent: str | None,
    id_token: str | None = None,
) -> AuthSession:
    """Open a new server-side session; the caller puts its id into a fresh cookie."""
    auth_session = AuthSession(
        id=secrets.token_urlsafe(32),
        user=user,
        method=method,
        ip=ip,
        user_agent=(user_agent or "")[:300],
        id_token=id_token,
    )
    user.last_sign_in_at = utcnow()
    db.session.add(auth_session)
    audit.record("auth.sign_in", user=user, details={"method": method})
    db.session.commit()
    user.session_id = auth_session.id
    return auth_session


def end_session(session_id: str, user: User, reason: str = "sign_out") -> str | None:
    """End the session; return its SSO ID token (for the provider's logout), kept no longer."""
    open_session = (AuthSession.id == session_id, AuthSession.ended_at.is_(None))
    id_token = db.session.scalar(select(AuthSession.id_token).where(*open_session))
    db.session.execute(
        update(AuthSession)
        .where(*open_session)
        .values(ended_at=utcnow(), ended_reason=reason, id_token=None)
    )
    audit.record("auth.sign_out", user=user)
    db.session.commit()
    return id_token


def end_all_sessions(user_id: str, reason: str) -> None:
    """Used when an account is deactivated: its sessions stop working at once."""
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


@cache
def _session_user_statement(local_accounts: bool) -> Select:
    """Built once per process: every signed-in request runs it, and building a statement and
    its cache key costs more CPU than PostgreSQL spends answering it."""
    # The user's permissions in the same round trip: every request checks at least one.
    held = (
        select(func.aggregate_strings(role_permission.c.permission_name, ","))
        .join(user_role, user_role.c.role_id == role_permission.c.role_id)
        .where(user_role.c.user_id == User.id)
        .scalar_subquery()
    )
    return (
        select(User, held)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(
            AuthSession.id == bindparam("session_id"),
            AuthSession.ended_at.is_(None),
            AuthSession.created_at > bindparam("opened_after"),
            User.active.is_(True),
            # Switching local accounts off ends the local sessions already open.
            true() if local_accounts else AuthSession.method != "local",
        )
    )


def load_session_user(session_id: str, last_seen: datetime | None) -> User | None:
    """The user behind a session id, or None if the session ended, idled out or grew too old."""
    config = current_app.config
    now = utcnow()
    if last_seen is None or now - last_seen > config["SESSION_IDLE_TIMEOUT"]:
        return None
    row = db.session.execute(
        _session_user_statement(config["LOCAL_ACCOUNTS_ENABLED"]),
        {"session_id": session_id, "opened_after": now - config["SESSION_ABSOLUTE_LIFETIME"]},
    ).first()
    if row is None:
        return None
    user = row.User
    user.session_id = session_id
    user.hold(row[1])
    return user


def parse_role_map(spec: str) -> dict[str, str]:
    """'idp-group=portal_role,other=role' -> {'idp-group': 'portal_role', ...}."""
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        if "=" in part:
            group, role = part.split("=", 1)
            mapping[group.strip()] = role.strip()
    return mapping


def _refuse(reason: str, message: str, *, user: User | None = None, **details) -> NoReturn:
    audit.record(
        "auth.sign_in",
        outcome=audit.FAILURE,
        user=user,
        actor="sso",
        details={"method": "sso", "reason": reason, **details},
    )
    db.session.commit()
    raise SignInError(message)


def _usable_email(claims: dict, subject: str) -> str:
    try:
        return validate_email(
            str(claims.get("email") or ""), check_deliverability=False
        ).normalized.lower()
    except EmailNotValidError:
        _refuse(
            "no_email",
            "The identity provider did not give a usable e-mail address, and the portal needs "
            'one. Ask your administrator to release your e-mail (scope "email") to the portal.',
            sub=subject,
        )


def _clash_message(holder: User, user: User | None) -> str:
    kind = "a local account" if holder.password_hash else "another single sign-on account"
    if user is None:
        return (
            f"Your e-mail address is already used by {kind} in the portal. "
            "Ask an administrator to link the two."
        )
    return (
        f"Your e-mail address at the identity provider changed to one that {kind} in the "
        "portal uses. Ask an administrator to sort out the two accounts."
    )


def sign_in_from_claims(issuer: str, claims: dict) -> User:
    """Create or update the user identified by (issuer, sub); roles follow the mapped claim."""
    config = current_app.config
    subject = str(claims["sub"])
    user = db.session.scalar(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    )
    email = _usable_email(claims, subject)
    name = str(claims.get("name") or claims.get("preferred_username") or email)
    holder = db.session.scalar(select(User).where(User.email == email))
    if holder is not None and holder is not user:
        _refuse(
            "email_taken",
            _clash_message(holder, user),
            user=user,
            sub=subject,
            email=email,
            held_by=str(holder.id),
        )
    if user is None:
        # Column defaults apply only at INSERT: set `active` now, or the check below (and
        # Flask-Login) would see None and refuse every first SSO sign-in.
        user = User(oidc_issuer=issuer, oidc_subject=subject, email=email, name=name, active=True)
        db.session.add(user)
        db.session.flush()
        audit.record(
            "user.created",
            user=user,
            record_type="user",
            record_id=str(user.id),
            summary=email,
            details={"method": "sso", "issuer": issuer, "sub": subject},
        )
    elif (user.email, user.name) != (email, name):
        audit.record(
            "user.updated",
            user=user,
            record_type="user",
            record_id=str(user.id),
            summary="e-mail and name follow the identity provider",
            details={"email": [user.email, email], "name": [user.name, name]},
        )
        user.email, user.name = email, name
    if not user.active:
        _refuse("inactive", "Your account is deactivated. Ask an administrator.", user=user)

    mapping = parse_role_map(config["OIDC_ROLE_MAP"])
    raw = claims.get(config["OIDC_ROLES_CLAIM"]) or []
    groups = [raw] if isinstance(raw, str) else list(raw)
    wanted = {mapping[g] for g in groups if g in mapping}
    held = {role.name for role in user.roles}
    if wanted != held:
        user.roles = (
            list(db.session.scalars(select(Role).where(Role.name.in_(wanted)))) if wanted else []
        )
        audit.record(
            "user.roles_changed",
            user=user,
            record_type="user",
            record_id=str(user.id),
            summary="roles follow the identity provider's groups",
            details={"granted": sorted(wanted - held), "removed": sorted(held - wanted)},
        )
    return user
