"""What every area's use cases share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from portal.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def rolls_back_on(*refusals: type[Exception]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate use cases: when one refuses with any of `refusals`, the session rolls back, so
    nothing half-done is saved, and the refusal goes on to the caller."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return function(*args, **kwargs)
            except refusals:
                db.session.rollback()
                raise

        return run

    return decorate
