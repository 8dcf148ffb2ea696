"""What the organisation area needs from the outside world: delivering invitation links."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)


class InvitationSender(Protocol):
    def send_invitation(
        self, *, email: str, name: str, organization: str, link: str, expires_at: datetime
    ) -> None: ...


class LogInvitationSender:
    """The default adapter: writes the link to the log (development, demos, tests)."""

    def send_invitation(
        self, *, email: str, name: str, organization: str, link: str, expires_at: datetime
    ) -> None:
        log.info(
            "invitation for %s <%s> to %s, valid until %s: %s",
            name,
            email,
            organization,
            expires_at.isoformat(),
            link,
        )
