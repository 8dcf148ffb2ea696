"""Creates that happen once: a retried or double-submitted create makes one record.

A create form carries a token rendered with it (`OnceForm`); an API call may carry an
`Idempotency-Key` header (`once_per_key`). Before the create runs, a row (actor, endpoint, key)
joins its transaction; the unique constraint on those three decides which of two racing
requests creates. The loser's insert waits for the winner's commit (PostgreSQL holds it on
the unique index, SQLite on its write lock), fails, and answers what the winner answered.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from flask import g, make_response, request
from sqlalchemy import Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import BadRequest, Conflict
from wtforms import HiddenField

from portal.errors import error_response
from portal.extensions import db
from portal.forms import Form, fits
from portal.models import UTCDateTime, utcnow

T = TypeVar("T")
KEY_LENGTH = 255
FORM_TOKEN = re.compile(r"[0-9a-f]{32}")
# How long a retry waits for the first request to record its answer (it commits the create,
# then the answer, a moment later).
WAIT_SECONDS = 5.0


class CreatedOnce(db.Model):
    __tablename__ = "created_once"
    __table_args__ = (UniqueConstraint("actor", "endpoint", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(80))
    endpoint: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    # API calls: a digest of the body, so that a reused key with another body is refused.
    body_digest: Mapped[str | None] = mapped_column(String(64))
    # Forms: the created object's page. API calls: the answer (its Location too), replayed.
    location: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def new_token() -> str:
    return uuid.uuid4().hex


class OnceForm(Form):
    """A create form: its token makes a second submission of the same rendered form answer
    like the first instead of creating again. A post without the token creates each time."""

    form_token = HiddenField(default=new_token, validators=[fits(CreatedOnce.key)])


def _same(actor: str, key: str) -> tuple:
    return (
        CreatedOnce.actor == actor,
        CreatedOnce.endpoint == request.endpoint,
        CreatedOnce.key == key,
    )


def _claim(actor: str, key: str, digest: str | None = None) -> CreatedOnce | None:
    """Add this request's claim to the session's transaction; None when another request holds
    the key (the session is then rolled back)."""
    claim = CreatedOnce(actor=actor, endpoint=request.endpoint, key=key, body_digest=digest)
    db.session.add(claim)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return claim


def _settled(actor: str, key: str) -> CreatedOnce:
    """The first request's record, once it has its answer."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = db.session.scalar(select(CreatedOnce).where(*_same(actor, key)))
        if found is None or found.location is not None or found.status is not None:
            if found is None:
                # The first request failed and let the key go: this one may not replay it.
                raise Conflict("An earlier submission of this failed; send it again.")
            return found
        db.session.rollback()  # ends the read, so the next one sees the answer once committed
        if time.monotonic() > deadline:
            raise Conflict("An earlier submission of this is still being saved; retry shortly.")
        time.sleep(0.05)


def _release(actor: str, key: str) -> None:
    db.session.rollback()
    db.session.execute(delete(CreatedOnce).where(*_same(actor, key)))
    db.session.commit()


def _answer(claim: CreatedOnce, **answer) -> None:
    """Record what the create answered, for the requests that repeat it."""
    for name, value in answer.items():
        setattr(claim, name, value)
    # Back into the session if the create rolled back a part of its work, the claim with it.
    db.session.add(claim)
    db.session.commit()


class Outcome(NamedTuple, Generic[T]):
    location: str  # the created object's page, the same for every submission of the form
    created: T | None  # what `create` returned; None when an earlier submission created it


def create_once(
    actor, form: OnceForm, create: Callable[[], T], locate: Callable[[T], str]
) -> Outcome[T]:
    """Run `create` once for this form's token; `locate` gives the created object's URL, which
    a later submission of the same form gets back. A refusal raised by `create` saves nothing,
    so the corrected form may create with the same token."""
    token = form.form_token.data
    if not token:
        created = create()
        return Outcome(locate(created), created)
    if not FORM_TOKEN.fullmatch(token):
        raise BadRequest("The form is damaged; reload the page and fill it in again.")
    actor_id = str(actor.id)
    known = db.session.scalar(select(CreatedOnce.id).where(*_same(actor_id, token)))
    claim = None if known else _claim(actor_id, token)
    if claim is None:
        return Outcome(_settled(actor_id, token).location, None)
    try:
        created = create()  # commits the claim with the record
    except BaseException:
        _release(actor_id, token)
        raise
    _answer(claim, location=locate(created))
    return Outcome(claim.location, created)


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def once_per_key(view):
    """Decorate a JSON create (under `require_token`): with an `Idempotency-Key` header, the
    first 2xx answer (status, body, Location) is recorded and replayed for the same key and
    body; the same key with another body is refused (422). Other answers are not recorded, so
    the call may be retried."""

    @functools.wraps(view)
    def run(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not (key.strip() and len(key) <= KEY_LENGTH and key.isascii() and key.isprintable()):
            return error_response(
                400, f"Idempotency-Key must be 1 to {KEY_LENGTH} printable ASCII characters."
            )
        who, digest = f"token:{g.api_token.id}", _digest(request.get_data())
        claim = _claim(who, key, digest)
        if claim is None:
            try:
                record = _settled(who, key)
            except Conflict as conflict:
                return error_response(409, conflict.description)
            if record.body_digest != digest:
                return error_response(422, "This Idempotency-Key was used with another body.")
            response = make_response(record.body, record.status)
            response.mimetype = "application/json"
            response.headers["Idempotent-Replayed"] = "true"
            if record.location:  # what a 201 pointed at
                response.headers["Location"] = record.location
            return response
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            _release(who, key)
            raise
        if not 200 <= response.status_code < 300:
            _release(who, key)
            return response
        _answer(
            claim,
            status=response.status_code,
            body=response.get_data(as_text=True),
            location=response.headers.get("Location"),
        )
        return response

    return run
