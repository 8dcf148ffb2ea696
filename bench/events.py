"""Event throughput: the relay (to RabbitMQ with confirms, and to in-process handlers) and the
intake of OrderPlaced (over HTTP and from the queue).

`python -m bench.events` on PostgreSQL ($BENCH_DATABASE_URL, default bench_ev, rebuilt by the
migrations) and RabbitMQ ($BENCH_BROKER_URL, default guest@127.0.0.1). Writes `--events` outbox
rows for 1,000 aggregates in SQL, then prints events per second for:
  - RabbitMQ alone: the same number of envelopes published with confirms, no database (the
    baseline: what the broker takes on this machine, whatever the relay does);
  - the relay to RabbitMQ: persistent messages, publisher confirms, a durable queue bound;
  - the relay to the in-process handlers only (no broker);
  - POST /api/v1/events in batches of 500 (the WSGI app in-process: HTTP parsing, auth,
    validation, effects, one commit per batch; no sockets), with version-1 orders and then
    version-2 orders of `--lines` lines each (their ratio: what keeping the lines costs);
  - the queue consumer taking the same number of messages from a durable queue.
Targets (issue #7): relay ≥ 5,000/s to RabbitMQ, intake ≥ 1,000/s, each printed with its ratio.
The intake takes each batch's orders at once and re-evaluates their customers in one engine run.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import uuid

import pika
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.api import tokens
from portal.demo import seed_demo_customers
from portal.events.broker import EXCHANGE, Message, RabbitPublisher
from portal.events.consumer import consume_queue
from portal.events.relay import Relay
from portal.extensions import db
from portal.security.models import User

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_ev"
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672/%2F"
TARGETS = {"relay_rabbitmq": 5000, "intake_http": 1000, "intake_queue": 1000}
CUSTOMERS = 1000
BATCH = 500
BROKER_BATCH = 1000

OUTBOX_SQL = """
INSERT INTO outbox_event (id, type, version, occurred_at, aggregate_type, aggregate_id, actor,
  payload, attempts)
SELECT gen_random_uuid()::text, 'CustomerUpdated', 1, now(), 'customer',
       'cust-bench-' || (n % 1000), 'system',
       json_build_object('customerId', 'cust-bench-' || (n % 1000), 'modifiedFields',
         json_build_array('name'), 'previousValues', json_build_object('name', 'A' || n),
         'newValues', json_build_object('name', 'B' || n)), 0
FROM generate_series(1, :count) AS n
"""


def _rate(label: str, count: int, seconds: float, target: str | None = None) -> float:
    rate = count / seconds
    goal = ""
    if target:
        ratio = rate / TARGETS[target]
        verdict = "met" if ratio >= 1 else "MISSED"
        goal = f"  ({ratio:.2f}x the target {TARGETS[target]:,}/s: {verdict})"
    print(f"{label:<44} {count:>8,} in {seconds:6.1f} s = {rate:>8,.0f}/s" + goal)
    return rate


def _drain(relay: Relay) -> None:
    while relay.run_once():
        pass


def _order(customer_id: str, lines: int = 0) -> dict:
    """A version-1 OrderPlaced, or a version-2 one with `lines` lines."""
    payload = {
        "orderId": f"ord-{uuid.uuid4().hex}",
        "customerId": customer_id,
        "amountMinor": 2599,
        "currency": "USD",
        "placedAt": "2026-11-28T12:00:00+00:00",
    }
    if lines:
        payload["lines"] = [
            {"productId": f"prod-{n}", "category": "seasonings", "quantity": 1, "amountMinor": 500}
            for n in range(lines)
        ]
    return {
        "eventId": str(uuid.uuid4()),
        "type": "OrderPlaced",
        "version": 2 if lines else 1,
        "occurredAt": "2026-11-28T12:00:00+00:00",
        "payload": payload,
    }


def bench_broker(count: int, broker_url: str) -> float:
    """The baseline: envelopes of the relay's size straight to RabbitMQ, no database."""
    body = json.dumps(_order("cust-bench-1"), separators=(",", ":")).encode()
    publisher = RabbitPublisher(broker_url)
    started = time.perf_counter()
    for start in range(0, count, BROKER_BATCH):
        size = min(BROKER_BATCH, count - start)
        messages = [Message("CustomerUpdated", body, str(uuid.uuid4())) for _ in range(size)]
        assert all(publisher.publish(messages))
    publisher.close()
    return _rate("RabbitMQ alone (confirms, persistent)", count, time.perf_counter() - started)


def bench_relay(count: int, broker_url: str) -> None:
    db.session.execute(sa.text("DELETE FROM outbox_event"))
    db.session.execute(sa.text(OUTBOX_SQL), {"count": count})
    db.session.commit()
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    channel.exchange_declare(EXCHANGE, "topic", durable=True)
    queue = f"bench.{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, EXCHANGE, routing_key="#")
    try:
        ceiling = bench_broker(count, broker_url)
        channel.queue_purge(queue)
        relay = Relay(RabbitPublisher(broker_url), batch_size=BROKER_BATCH)
        started = time.perf_counter()
        _drain(relay)
        rate = _rate(
            "relay → RabbitMQ (confirms, persistent)",
            count,
            time.perf_counter() - started,
            "relay_rabbitmq",
        )
        print(f"{'':<44} {rate / ceiling:.2f}x RabbitMQ alone")
        relay.close()
    finally:
        channel.queue_delete(queue)
        connection.close()
    db.session.execute(sa.text("UPDATE outbox_event SET published_at = NULL"))
    db.session.commit()
    started = time.perf_counter()
    _drain(Relay(batch_size=BROKER_BATCH))
    _rate("relay → in-process handlers", count, time.perf_counter() - started)


def bench_intake_http(
    app, count: int, customer_ids: list[str], admin: User, lines: int = 0
) -> float:
    _token, clear = tokens.issue(admin, "bench", ["events:write"])
    headers = {"Authorization": f"Bearer {clear}"}
    client = app.test_client()
    # The producing system's work (building and encoding the events) is done before the clock.
    bodies = [
        json.dumps(
            [
                _order(customer_ids[n % len(customer_ids)], lines)
                for n in range(start, start + BATCH)
            ]
        )
        for start in range(0, count, BATCH)
    ]
    started = time.perf_counter()
    for body in bodies:
        response = client.post(
            "/api/v1/events", data=body, content_type="application/json", headers=headers
        )
        assert response.status_code == 200, response.json
    return _rate(
        f"intake OrderPlaced over HTTP, {lines} lines each"
        if lines
        else "intake OrderPlaced over HTTP (batches of 500)",
        count,
        time.perf_counter() - started,
        "intake_http",
    )


def bench_intake_queue(app, count: int, customer_ids: list[str], broker_url: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    queue = f"bench.inbox.{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, durable=True)
    for n in range(count):
        channel.basic_publish("", queue, json.dumps(_order(customer_ids[n % len(customer_ids)])))
    done = threading.Event()

    def watch() -> None:
        while channel.queue_declare(queue, passive=True).method.message_count:
            connection.sleep(0.2)
        done.set()

    started = time.perf_counter()
    worker = threading.Thread(target=_consume, args=(app, broker_url, queue, done.is_set))
    worker.start()
    watch()
    worker.join()
    _rate("intake OrderPlaced from the queue", count, time.perf_counter() - started, "intake_queue")
    channel.queue_delete(queue)
    connection.close()


def _consume(app, url: str, queue: str, stop) -> None:
    with app.app_context():
        consume_queue(url, queue, batch=500, should_stop=stop)
        db.session.remove()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--intake-events", type=int, default=100_000)
    parser.add_argument(
        "--lines", type=int, default=3, help="lines per order of the version-2 intake run"
    )
    parser.add_argument("--intake-only", action="store_true", help="skip the relay")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    broker_url = os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}
    )
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        seed_demo_customers(CUSTOMERS, seed=7)
        customer_ids = list(db.session.scalars(sa.text("SELECT id FROM customer")))
        admin = User(email="bench@efi.example", name="Bench", password_hash=None)
        db.session.add(admin)
        db.session.commit()
        print(f"{args.events:,} events, PostgreSQL {db.engine.url.database}, RabbitMQ {broker_url}")
        if not args.intake_only:
            bench_relay(args.events, broker_url)
        if not args.lines:
            bench_intake_http(app, args.intake_events, customer_ids, admin)
        else:
            # Alternated, half each time: the history grows as they run, and the machine's
            # load drifts; the ratio compares like with like.
            half = args.intake_events // 2
            plain = lined = 0.0
            for _ in range(2):
                plain += bench_intake_http(app, half, customer_ids, admin)
                lined += bench_intake_http(app, half, customer_ids, admin, args.lines)
            print(f"{'':<44} {lined / plain:.2f}x the orders without lines")
        bench_intake_queue(app, args.intake_events, customer_ids, broker_url)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
