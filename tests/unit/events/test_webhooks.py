"""Webhooks: queued by the relay, signed, verified by a receiver on loopback, retried."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from portal.events import webhooks
from portal.events.models import WebhookDelivery
from portal.events.outbox import SYSTEM, emit
from portal.events.relay import Relay
from portal.extensions import db


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that checks signatures as a subscriber would."""

    def __init__(self):
        self.secret = ""
        self.status = 200
        self.received: list[tuple[bool, dict]] = []
        receiver = self

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                valid = webhooks.verify(
                    receiver.secret,
                    self.headers["X-EFI-Timestamp"],
                    self.headers["X-EFI-Signature"],
                    body,
                    time.time(),
                )
                receiver.received.append((valid, json.loads(body)))
                self.send_response(receiver.status if valid else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _subscribe(staff, receiver: Receiver) -> None:
    _subscription, receiver.secret = webhooks.subscribe(
        staff, receiver.url, ["CustomerSegmentChanged"]
    )


def _segment_change() -> None:
    emit("CustomerSegmentChanged", "cust-1", {"customerId": "cust-1"}, actor=SYSTEM)
    emit("CustomerUpdated", "cust-1", {"customerId": "cust-1"}, actor=SYSTEM)
    db.session.commit()


def test_a_segment_change_reaches_the_receiver_signed(staff, receiver):
    _subscribe(staff, receiver)
    _segment_change()
    Relay().run_once()
    assert webhooks.deliver_due() == 1  # only the subscribed type
    ((valid, body),) = receiver.received
    assert valid
    assert (body["type"], body["payload"]) == ("CustomerSegmentChanged", {"customerId": "cust-1"})
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.response_status) == ("sent", 200)
    assert delivery.response_ms is not None


def test_a_refused_delivery_is_retried_with_backoff(staff, receiver):
    _subscribe(staff, receiver)
    receiver.status = 503
    _segment_change()
    Relay().run_once()
    webhooks.deliver_due()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 503")
    assert webhooks.deliver_due() == 0  # not due yet


def test_an_unreachable_url_is_logged_and_eventually_failed(staff):
    webhooks.subscribe(staff, "http://127.0.0.1:9/hook", ["CustomerSegmentChanged"])
    _segment_change()
    Relay().run_once()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    delivery.attempts = webhooks.MAX_ATTEMPTS - 1
    db.session.commit()
    webhooks.deliver_due()
    assert delivery.status == "failed"
    assert "ConnectionError" in delivery.last_error


def test_signatures_fail_for_a_changed_body_or_an_old_timestamp():
    body = b'{"a":1}'
    now = int(time.time())
    signature = webhooks.sign("s3cret", now, body)
    assert webhooks.verify("s3cret", str(now), signature, body, now)
    assert not webhooks.verify("s3cret", str(now), signature, b'{"a":2}', now)
    assert not webhooks.verify("other", str(now), signature, body, now)
    assert not webhooks.verify("s3cret", str(now), signature, body, now + 3600)
