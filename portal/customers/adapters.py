"""Adapters for the customer ports: address verification and verification-code delivery.

Chosen by configuration: ADDRESS_VERIFIER=offline|http and NOTIFIER=log|smtp.
"""

from __future__ import annotations

import logging
import smtplib
import string
from dataclasses import asdict, replace
from email.message import EmailMessage

import requests
from flask import current_app

from portal.customers.ports import (
    AddressCheck,
    AddressVerifier,
    AddressVerifierUnavailable,
    Notifier,
)
from portal.customers.rules import address_errors
from portal.customers.values import CODE_LIFETIME, AddressData, ContactField
from portal.logs import redact

log = logging.getLogger(__name__)


def _tidy(value: str | None) -> str | None:
    """Trim and collapse runs of whitespace; empty becomes None."""
    collapsed = " ".join((value or "").split())
    return collapsed or None


def standardize(address: AddressData) -> AddressData:
    """Postal conventions: single spaces, upper-case postal code and country, City Words."""
    city = _tidy(address.city)
    state = _tidy(address.state)
    postal_code = _tidy(address.postal_code)
    return replace(
        address,
        street1=_tidy(address.street1) or "",
        street2=_tidy(address.street2),
        city=string.capwords(city) if city else "",
        # Short state codes (NY, ON) are upper case; full names keep their spelling.
        state=state.upper() if state and len(state) <= 3 else state,
        postal_code=postal_code.upper() if postal_code else None,
        country=(address.country or "").strip().upper(),
        note=_tidy(address.note),
    )


class OfflineAddressVerifier:
    """Checks format only (required parts, ISO country, postal code pattern) and standardises.

    An address that passes counts as verified: without a verification service, the format
    check is the confirmation this installation can give.
    """

    def verify(self, address: AddressData) -> AddressCheck:
        standard = standardize(address)
        errors = address_errors(standard)
        return AddressCheck(standard, verified=not errors, errors=errors)


class HttpAddressVerifier:
    """Asks a JSON service after the offline format check.

    POST the standardised address as JSON; the service answers
    ``{"verified": bool, "address": {...standardised fields...}, "errors": {field: [msg]}}``.
    """

    def __init__(self, url: str, timeout: float):
        self.url = url
        self.timeout = timeout

    def verify(self, address: AddressData) -> AddressCheck:
        local = OfflineAddressVerifier().verify(address)
        if local.errors:
            return local
        try:
            response = requests.post(self.url, json=asdict(local.address), timeout=self.timeout)
            response.raise_for_status()
            answer = response.json()
            fields = {k: v for k, v in answer.get("address", {}).items() if k in asdict(address)}
            return AddressCheck(
                replace(local.address, **fields),
                verified=bool(answer.get("verified")),
                errors=answer.get("errors") or {},
            )
        except (requests.RequestException, ValueError, TypeError, AttributeError) as exc:
            log.warning("address verification failed: %s", exc)
            raise AddressVerifierUnavailable(str(exc)) from exc


class LogNotifier:
    """For development: writes the code to the log, which is then how it reaches the tester.

    Outside development only the fact of sending is logged, never the code.
    """

    def send_verification_code(
        self, *, customer_id: str, field: ContactField, destination: str, code: str
    ) -> None:
        if current_app.config.get("ENV_NAME") == "development":
            log.info(
                "verification code %s for %s of %s: %s",
                field,
                redact(destination),
                customer_id,
                code,
            )
        else:
            log.info("verification code for %s of %s sent (not logged)", field, customer_id)


class SmtpNotifier:
    """E-mails the code. Phone numbers need an SMS gateway, which this adapter is not."""

    def send_verification_code(
        self, *, customer_id: str, field: ContactField, destination: str, code: str
    ) -> None:
        if field != ContactField.EMAIL:
            raise NotImplementedError("SmtpNotifier delivers e-mail codes only")
        config = current_app.config
        message = EmailMessage()
        message["From"] = config["SMTP_SENDER"]
        message["To"] = destination
        message["Subject"] = "Confirm your new e-mail address"
        message.set_content(
            f"Your Elias Food Imports confirmation code is {code}.\n"
            f"It expires in {CODE_LIFETIME.seconds // 60} minutes. "
            "If you did not ask for it, ignore this message."
        )
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(message)


def address_verifier() -> AddressVerifier:
    config = current_app.config
    if config["ADDRESS_VERIFIER"] == "http":
        return HttpAddressVerifier(
            config["ADDRESS_VERIFIER_URL"], config["ADDRESS_VERIFIER_TIMEOUT"]
        )
    return OfflineAddressVerifier()


def notifier() -> Notifier:
    return SmtpNotifier() if current_app.config["NOTIFIER"] == "smtp" else LogNotifier()
