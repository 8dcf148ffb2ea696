"""What every area's use cases share: the refusals they raise and the transaction boundary.

Every refusal carries `errors`, field names mapped to messages (NON_FIELD for the whole form):
DomainError (the input breaks a rule → 422), NotFound (→ 404), Forbidden (→ 403) and Conflict
(the record moved on → 409; StaleVersion for an edit of an old version). A view that re-renders
its form catches DomainError and shows the messages next to the fields; the application's error
handler (portal.errors) answers every refusal no view caught, as a page, a fragment or JSON.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

Errors = dict[str, list[str]]

# Messages that belong to the whole form rather than one field.
NON_FIELD = "__all__"


class Refusal(Exception):
    """A use case refused; `errors` maps field names to messages. Nothing was saved."""

    status = 422

    def __init__(self, errors: Errors):
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def on(cls, field: str, message: str) -> Refusal:
        return cls({field: [message]})

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]

    @property
    def problems(self) -> list[str]:
        """The messages for a JSON answer: each prefixed by the field it concerns."""
        return [
            message if field == NON_FIELD else f"{field}: {message}"
            for field, messages in self.errors.items()
            for message in messages
        ]


class DomainError(Refusal):
    """The input breaks a rule (→ 422): the messages belong next to the fields named."""


class NotFound(Refusal):
    """The record does not exist, or is not the caller's to see (→ 404)."""

    status = 404

    def __init__(self, what: str):
        super().__init__({NON_FIELD: [f"No such {what}."]})


class Forbidden(Refusal):
    """The caller may not do this to this record (→ 403)."""

    status = 403

    def __init__(self, message: str = "You may not do this."):
        super().__init__({NON_FIELD: [message]})


class Conflict(Refusal):
    """The record moved on since the page was drawn (→ 409)."""

    status = 409

    def __init__(self, message: str = "Someone else changed this meanwhile; reload it."):
        super().__init__({NON_FIELD: [message]})


class StaleVersion(Conflict):
    """Someone saved the record after the form was loaded (→ 409).

    `current` holds the record's values now (identifiers masked), `version` its version; both
    are empty when the conflict was only noticed while writing.
    """

    def __init__(self, current: dict | None = None, version: int | None = None):
        super().__init__("Someone else changed this record meanwhile; review their changes.")
        self.current = current or {}
        self.version = version


def load(model: type[T], key: str | None, what: str, *, lock: bool = False) -> T:
    """The `model` row whose primary key is `key`; NotFound(what) when there is none.

    `lock` re-reads it and holds it FOR UPDATE until commit (PostgreSQL; SQLite has one writer
    at a time anyway), for a use case whose checks on the row's state must still hold when it
    writes."""
    found = (
        db.session.get(model, key, with_for_update=lock or None, populate_existing=lock)
        if key
        else None
    )
    if found is None:
        raise NotFound(what)
    return found


def use_case(function: Callable[P, R]) -> Callable[P, R]:
    """The transaction boundary of a use case: when it refuses, the session rolls back, so
    nothing half-done is saved. A row another session changed between our read and our write
    (the version check) becomes StaleVersion."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except Refusal:
            db.session.rollback()
            raise
        except StaleDataError:
            db.session.rollback()
            raise StaleVersion() from None

    return run


def flush_or_stale(current: Callable[[], tuple[dict, int]]) -> None:
    """Write now. When another request inserted the same row (same key) at the same moment,
    this save is stale, not an error: StaleVersion with `current()`'s values and version."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise StaleVersion(*current()) from None
