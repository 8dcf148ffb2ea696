"""The relay and the consumer against a real RabbitMQ: publish and read back, an outage while
events keep being written, and the queue intake."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict

import pika
import pytest
from sqlalchemy import select

from portal.events.broker import EXCHANGE, Message, RabbitPublisher
from portal.events.consumer import consume_queue
from portal.events.models import InboxEvent, OutboxEvent, ParkedEvent
from portal.events.outbox import SYSTEM, emit
from portal.events.relay import Relay, run_forever
from portal.extensions import db
from portal.segmentation.models import CustomerMetrics
from tests.unit.events.messages import message

# Each test binds a queue to the one exchange every relay publishes to, so another worker's
# events would arrive in it: under xdist (`--dist loadgroup`) one worker runs them all.
pytestmark = pytest.mark.xdist_group("rabbitmq")


def _bind(channel, queue: str) -> None:
    channel.exchange_declare(EXCHANGE, "topic", durable=True)
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, EXCHANGE, routing_key="#")


def _read_all(channel, queue: str, expected: set[str], timeout: float = 10) -> list[dict]:
    """This test's envelopes from the queue (copies included), until each arrived: other tests,
    and other processes on this broker, may publish to the same exchange meanwhile, so counting
    any message would stop too early and let theirs in."""
    received = []
    deadline = time.monotonic() + timeout
    for method, _props, body in channel.consume(queue, inactivity_timeout=0.2):
        if method is not None:
            channel.basic_ack(method.delivery_tag)
            if (envelope := json.loads(body)).get("eventId") in expected:
                received.append(envelope)
        if len({m["eventId"] for m in received}) >= len(expected) or time.monotonic() > deadline:
            break
    channel.cancel()
    return received


def _written() -> set[str]:
    """The ids of the events in the outbox: this test's, as each test starts on an empty one."""
    return set(db.session.scalars(select(OutboxEvent.id)))


def _emit_many(aggregates: list[str], count: int) -> None:
    for n in range(count):
        aggregate = aggregates[n % len(aggregates)]
        emit("CustomerUpdated", aggregate, {"n": n}, actor=SYSTEM)
    db.session.commit()


def test_published_events_come_back_from_the_exchange_in_envelopes(broker_url, channel, queue_name):
    _bind(channel, queue_name)
    _emit_many(["cust-a", "cust-b"], 10)
    publisher = RabbitPublisher(broker_url)
    assert Relay(publisher).run_once() == 10
    publisher.close()

    received = _read_all(channel, queue_name, _written())
    assert len(received) == 10
    assert {"eventId", "type", "version", "occurredAt", "aggregateId", "actor", "payload"} <= set(
        received[0]
    )
    assert [m["payload"]["n"] for m in received] == list(range(10))
    pending = select(OutboxEvent).where(OutboxEvent.published_at.is_(None))
    assert db.session.scalars(pending).all() == []


def test_heartbeats_keep_an_idle_connection_open_and_rabbitmq_closes_one_without(broker_url):
    tended, left = (RabbitPublisher(broker_url + "?heartbeat=1") for _ in range(2))
    for publisher in (tended, left):
        assert publisher.publish([Message("CustomerUpdated", b"{}", "hb")]) == [True]
    connection, started = tended._socket, time.monotonic()
    while left._usable() and time.monotonic() - started < 10:  # RabbitMQ gives up on it
        tended.tend()
        time.sleep(0.1)
    assert time.monotonic() - started < 5  # two missed heartbeats and a little
    assert tended._socket is connection
    assert tended._usable()
    for publisher in (tended, left):
        publisher.close()


def test_nothing_is_lost_or_reordered_across_a_broker_outage(
    app, broker_url, channel, queue_name, proxy
):
    _bind(channel, queue_name)
    params = pika.URLParameters(broker_url)
    via_proxy = f"amqp://{params.credentials.username}:{params.credentials.password}@127.0.0.1:{proxy.port}/%2F"
    aggregates = [f"cust-{i}" for i in range(7)]
    total = 1200
    stop = threading.Event()

    def relay_worker():
        with app.app_context():
            run_forever(
                Relay(RabbitPublisher(via_proxy, timeout=2.0), batch_size=50),
                interval=0.02,
                should_stop=stop.is_set,
            )
            db.session.remove()

    def writer():
        with app.app_context():
            for chunk in range(0, total, 100):
                for n in range(chunk, chunk + 100):
                    emit("CustomerUpdated", aggregates[n % 7], {"n": n}, actor=SYSTEM)
                db.session.commit()
                time.sleep(0.03)
            db.session.remove()

    worker = threading.Thread(target=relay_worker)
    writing = threading.Thread(target=writer)
    worker.start()
    writing.start()
    time.sleep(0.15)
    proxy.cut()  # mid-way: the relay's connection dies, new ones are refused
    time.sleep(1.0)
    proxy.restore()
    writing.join()
    received = _read_all(channel, queue_name, _written(), timeout=15)
    stop.set()
    worker.join()

    first_seen: dict[str, list[int]] = defaultdict(list)
    seen = set()
    for m in received:
        if m["eventId"] not in seen:
            seen.add(m["eventId"])
            first_seen[m["aggregateId"]].append(m["payload"]["n"])
    assert len(seen) == total  # every event arrived
    for aggregate, numbers in first_seen.items():
        assert numbers == sorted(numbers), aggregate  # in order per aggregate
    # At-least-once: only messages in flight at the cut can come twice, and consumers
    # de-duplicate them by eventId.
    assert len(received) - total <= 50
    outbox = db.session.scalars(select(OutboxEvent).where(OutboxEvent.published_at.is_(None)))
    assert outbox.all() == []


def test_the_queue_consumer_applies_parks_and_ignores_duplicates(
    app, broker_url, channel, queue_name, customer
):
    channel.queue_declare(queue_name, durable=True)
    order = message("OrderPlaced", customer.id)
    bodies = [
        json.dumps(order),
        json.dumps(order),  # redelivered
        b"{not json",
        json.dumps(message("OrderPlaced", "cust-nobody")),
        json.dumps({**message("ProductReviewed", customer.id), "payload": {"rating": 9}}),
    ]
    for body in bodies:
        channel.basic_publish("", queue_name, body)
    customer_id = customer.id
    db.session.commit()

    def done() -> bool:
        with app.app_context():
            count = len(db.session.scalars(select(ParkedEvent)).all())
            db.session.remove()
            return count >= 3

    worker = threading.Thread(
        target=lambda: _consume(app, broker_url, queue_name, done), daemon=True
    )
    worker.start()
    worker.join(timeout=15)
    assert not worker.is_alive()
    db.session.expire_all()
    metrics = db.session.get(CustomerMetrics, customer_id)
    assert metrics.order_count == 1
    assert db.session.get(InboxEvent, order["eventId"]) is not None
    parked = db.session.scalars(select(ParkedEvent).order_by(ParkedEvent.id)).all()
    assert [p.source for p in parked] == ["queue"] * 3
    assert "not JSON" in parked[0].reason
    assert "No such customer" in parked[1].reason
    assert "rating" in parked[2].reason
    assert channel.queue_declare(queue_name, durable=True, passive=True).method.message_count == 0


def _consume(app, url: str, queue: str, done) -> None:
    with app.app_context():
        consume_queue(url, queue, idle=0.05, should_stop=done)
        db.session.remove()
