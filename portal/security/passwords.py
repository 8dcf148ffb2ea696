"""argon2id password hashes for local accounts.

Parameters are OWASP's current recommendation for argon2id (19 MiB, 2 passes, 1 lane): about
40 ms of one core a hash, where argon2-cffi's default (64 MiB, 3 passes, 4 lanes) took 270 ms
of four. Hashes made with other parameters still verify and are re-hashed at the next sign-in
(`needs_rehash`).

Hashing is bounded: at most PASSWORD_HASHES_AT_ONCE run at a time in a process, so a storm of
sign-ins queues for those slots instead of taking every core from the pages being served. A
caller that waits longer than PASSWORD_HASH_WAIT seconds gets 503 with Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from threading import BoundedSemaphore
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from werkzeug.exceptions import ServiceUnavailable

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the account does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("no-such-account")
# Outside an application (a script importing the module): one hash at a time, no limit on waiting.
_DEFAULT_SLOTS = 1
T = TypeVar("T")


@cache
def _slots(size: int) -> BoundedSemaphore:
    return BoundedSemaphore(size)


def _bounded(work: Callable[[], T]) -> T:
    size, wait = _DEFAULT_SLOTS, None
    if has_app_context():
        size = current_app.config["PASSWORD_HASHES_AT_ONCE"]
        wait = current_app.config["PASSWORD_HASH_WAIT"]
    slots = _slots(size)
    if not slots.acquire(timeout=wait):
        raise ServiceUnavailable(
            "Too many sign-ins at once; try again in a few seconds.", retry_after=5
        )
    try:
        return work()
    finally:
        slots.release()


def hash_password(password: str) -> str:
    return _bounded(lambda: _hasher.hash(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        verified = _bounded(lambda: _hasher.verify(password_hash or _DUMMY_HASH, password))
    except (VerificationError, InvalidHashError):
        return False
    return verified and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether a verified hash was made with other parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)
