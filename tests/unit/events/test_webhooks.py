"""Webhooks: queued by the relay, signed, verified by a receiver on loopback with the Standard
Webhooks library's own verifier, retried; a rotated secret signs alongside the new one."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, update
from standardwebhooks import Webhook, WebhookVerificationError

from portal.events import webhooks
from portal.events.models import WebhookDelivery, WebhookSubscription
from portal.events.outbox import SYSTEM, emit
from portal.events.relay import Relay
from portal.extensions import db
from portal.models import utcnow


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that checks signatures as a subscriber would: with the
    Standard Webhooks verifier and the secret it was given."""

    def __init__(self):
        self.secret = ""
        self.headers: list[dict[str, str]] = []
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
                headers = dict(self.headers.items())
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    valid = True
                except WebhookVerificationError:
                    valid = False
                receiver.headers.append(headers)
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
    assert receiver.secret.startswith("whsec_")
    _segment_change()
    Relay().run_once()
    assert webhooks.run(until_idle=True) == 1  # only the subscribed type
    ((valid, body),) = receiver.received
    assert valid
    assert (body["type"], body["payload"]) == ("CustomerSegmentChanged", {"customerId": "cust-1"})
    assert receiver.headers[0]["webhook-id"] == body["eventId"]  # the same on every retry
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


def _verified(secret: str | bytes, body: str, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def test_the_verifier_refuses_a_changed_body_id_or_secret_and_an_old_timestamp():
    secret, body = webhooks.new_secret(), '{"a":1}'
    headers = webhooks.signature_headers([secret], "evt-1", datetime.now(UTC), body)
    assert _verified(secret, body, headers)
    assert not _verified(secret, '{"a":2}', headers)
    assert not _verified(secret, body, headers | {"webhook-id": "evt-2"})
    assert not _verified(webhooks.new_secret(), body, headers)
    old = datetime.now(UTC) - timedelta(hours=1)
    assert not _verified(secret, body, webhooks.signature_headers([secret], "evt-1", old, body))


def test_a_secret_from_before_standard_webhooks_signs_with_its_text_as_the_key():
    legacy, body = "Zk3-pre_standard_token_urlsafe_secret", '{"a":1}'
    headers = webhooks.signature_headers([legacy], "evt-1", datetime.now(UTC), body)
    assert _verified(legacy.encode(), body, headers)


def test_after_a_rotation_both_secrets_verify_until_the_grace_period_ends(staff, receiver):
    subscription, old_secret = webhooks.subscribe(staff, receiver.url, ["CustomerSegmentChanged"])
    new_secret = webhooks.rotate_secret(staff, subscription)
    assert new_secret != old_secret
    _segment_change()
    Relay().run_once()
    for secret in (old_secret, new_secret):  # a receiver that moved over, one that has not yet
        receiver.secret = secret
        db.session.execute(
            update(WebhookDelivery).values(status="pending", next_attempt_at=utcnow())
        )
        db.session.commit()
        assert webhooks.run(until_idle=True) == 1
        assert receiver.received[-1][0], secret
    assert len(receiver.headers[-1]["webhook-signature"].split(" ")) == 2

    subscription.previous_secret_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _segment_change()
    Relay().run_once()
    receiver.secret = old_secret
    assert webhooks.run(until_idle=True) == 1
    assert receiver.received[-1][0] is False  # the grace period is over
    assert len(receiver.headers[-1]["webhook-signature"].split(" ")) == 1


def test_a_second_rotation_drops_the_first_secret_at_once(staff):
    subscription, first = webhooks.subscribe(staff, "http://127.0.0.1:9/hook", ["CustomerUpdated"])
    second = webhooks.rotate_secret(staff, subscription)
    third = webhooks.rotate_secret(staff, subscription)
    db.session.expire_all()
    stored = db.session.get(WebhookSubscription, subscription.id)
    assert (stored.secret, stored.previous_secret) == (third, second)
    assert first not in (stored.secret, stored.previous_secret)


def test_the_webhook_command_sends_what_is_due(runner, staff, receiver):
    _subscribe(staff, receiver)
    _segment_change()
    assert runner.invoke(args=["events", "relay", "--once"]).exit_code == 0
    assert receiver.received == []  # the relay only queues
    result = runner.invoke(args=["events", "webhooks", "--once"])
    assert result.exit_code == 0, result.output
    assert "tried 1 deliveries" in result.output
    assert len(receiver.received) == 1
