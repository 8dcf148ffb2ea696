"""Webhooks: queued by the relay, signed, verified by a receiver on loopback, retried."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from portal.events import webhooks
from portal.events.models import WebhookDelivery, WebhookSubscription
from portal.events.outbox import SYSTEM, emit
from portal.events.relay import Relay
from portal.extensions import db


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that checks signatures as a subscriber would."""

    def __init__(self):
        self.secret = ""
        self.status = 200
        self.hang = threading.Event()  # set: answers only once `release` is set
        self.release = threading.Event()
        self.received: list[tuple[bool, dict]] = []
        receiver = self

        class Handle(BaseHTTPRequestHandler):
            def do_POST(self):
                if receiver.hang.is_set():
                    receiver.release.wait(30)
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
    receiver.release.set()
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
    assert webhooks.run(until_idle=True) == 1  # only the subscribed type
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
    webhooks.run(until_idle=True)
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 503")
    assert webhooks.run(until_idle=True) == 0  # not due yet


def test_an_unreachable_url_is_logged_and_eventually_failed(staff):
    webhooks.subscribe(staff, "http://127.0.0.1:9/hook", ["CustomerSegmentChanged"])
    _segment_change()
    Relay().run_once()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    delivery.attempts = webhooks.MAX_ATTEMPTS - 1
    db.session.commit()
    webhooks.run(until_idle=True)
    db.session.refresh(delivery)
    assert delivery.status == "failed"
    assert "ConnectionError" in delivery.last_error


def _sent_to(url: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(WebhookDelivery)
        .join(WebhookSubscription)
        .where(WebhookSubscription.url == url, WebhookDelivery.status == "sent")
    )


def _wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot of what the worker recorded
        time.sleep(0.02)


def test_a_hanging_receiver_delays_neither_the_relay_nor_a_healthy_receiver(app, staff, receiver):
    hanging = Receiver()
    hanging.hang.set()
    _subscribe(staff, hanging)
    _subscribe(staff, receiver)
    for _ in range(4):  # a backlog for both, more than the worker's threads
        _segment_change()
    assert Relay().run_once() == 8
    stop = threading.Event()

    def worker():
        with app.app_context():
            webhooks.run(2, interval=0.02, should_stop=stop.is_set)
            db.session.remove()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        started = time.monotonic()
        _wait_until(lambda: _sent_to(receiver.url) == 4, 3)
        assert _sent_to(receiver.url) == 4
        assert time.monotonic() - started < 2
        _segment_change()
        started = time.monotonic()
        assert Relay().run_once() == 2
        assert time.monotonic() - started < 1
        _wait_until(lambda: _sent_to(receiver.url) == 5, 3)
        assert _sent_to(receiver.url) == 5
        assert time.monotonic() - started < 2
        assert _sent_to(hanging.url) == 0  # its first delivery still in flight
        hanging.release.set()
        _wait_until(lambda: _sent_to(hanging.url) == 5, 5)
        assert _sent_to(hanging.url) == 5  # all answered once it answers again
    finally:
        hanging.release.set()
        stop.set()
        thread.join()
        hanging.server.shutdown()
        hanging.server.server_close()


def test_signatures_fail_for_a_changed_body_or_an_old_timestamp():
    body = b'{"a":1}'
    now = int(time.time())
    signature = webhooks.sign("s3cret", now, body)
    assert webhooks.verify("s3cret", str(now), signature, body, now)
    assert not webhooks.verify("s3cret", str(now), signature, b'{"a":2}', now)
    assert not webhooks.verify("other", str(now), signature, body, now)
    assert not webhooks.verify("s3cret", str(now), signature, body, now + 3600)


def test_the_webhook_command_sends_what_is_due(runner, staff, receiver):
    _subscribe(staff, receiver)
    _segment_change()
    assert runner.invoke(args=["events", "relay", "--once"]).exit_code == 0
    assert receiver.received == []  # the relay only queues
    result = runner.invoke(args=["events", "webhooks", "--once"])
    assert result.exit_code == 0, result.output
    assert "tried 1 deliveries" in result.output
    assert len(receiver.received) == 1
