"""What approvals need from the outside world: telling approvers that something waits."""

from __future__ import annotations

import logging
from typing import Protocol

from portal.logs import redact

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def remind(self, *, emails: list[str], request_id: str, description: str, due: str) -> None: ...

    def escalated(self, *, emails: list[str], request_id: str, description: str) -> None: ...


class LogNotifier:
    """The default adapter: writes to the log (development, demos, tests)."""

    def remind(self, *, emails: list[str], request_id: str, description: str, due: str) -> None:
        log.info("reminder to %s: %s is due %s", [redact(e) for e in emails], request_id, due)

    def escalated(self, *, emails: list[str], request_id: str, description: str) -> None:
        log.info("escalated to %s: %s", [redact(e) for e in emails], request_id)
