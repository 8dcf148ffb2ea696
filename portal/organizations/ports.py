"""What the organisation area needs from the outside world: delivering invitation links."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from flask import current_app

from portal.logs import redact

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
        # The link is how a developer (or a test) reaches the invited person; in production it
        # is a credential and stays out of the log. The invitee's details are always redacted.
        shown = "(not logged)" if current_app.config.get("ENV_NAME") == "production" else link
        log.info(
            "invitation for %s to %s, valid until %s: %s",
            redact(email),
            organization,
            expires_at.isoformat(),
            shown,
        )
