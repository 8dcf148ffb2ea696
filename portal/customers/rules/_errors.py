"""Rules report problems as {field name: [messages]}; an empty dict means valid."""

from __future__ import annotations

from collections import defaultdict

Errors = dict[str, list[str]]


class ErrorList:
    """Collects messages per field in the order found."""

    def __init__(self) -> None:
        self._errors: defaultdict[str, list[str]] = defaultdict(list)

    def add(self, field: str, message: str) -> None:
        self._errors[field].append(message)

    def extend(self, errors: Errors) -> None:
        for field, messages in errors.items():
            self._errors[field].extend(messages)

    def as_dict(self) -> Errors:
        return dict(self._errors)
