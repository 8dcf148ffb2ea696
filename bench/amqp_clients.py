"""The relay's own AMQP publisher against maintained clients, in one process, turn about.

`python -m bench.amqp_clients` (`pip install -e ".[amqp-compare]"` first; RabbitMQ at
$BENCH_BROKER_URL, default guest@127.0.0.1): each client publishes the same persistent JSON
envelopes with publisher confirms to the relay's exchange, bound to a durable queue, in batches
of 1,000 whose confirms must all be in before the next batch (as the relay does). Rounds
alternate the clients so the noise of a shared machine falls on all of them alike; each
client's median rate and its median ratio to the own publisher in the same round are printed.
Clients whose API confirms one message at a time (pika's BlockingConnection, amqpstorm, kombu
on py-amqp) are measured that way: that is what they offer a synchronous caller.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable

import aiormq
import amqp
import amqpstorm
import pika

from portal.events.broker import EXCHANGE, Message, RabbitPublisher

DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672/%2F"
BATCH = 1000
ROUTING_KEY = "CustomerUpdated"

Publish = Callable[[list[Message]], None]


def _body() -> bytes:
    envelope = {
        "eventId": str(uuid.uuid4()),
        "type": ROUTING_KEY,
        "version": 1,
        "occurredAt": "2026-11-28T12:00:00+00:00",
        "aggregateId": "cust-bench-1",
        "actor": "system",
        "payload": {"customerId": "cust-bench-1", "modifiedFields": ["name"]},
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def own(url: str) -> tuple[Publish, Callable[[], None]]:
    publisher = RabbitPublisher(url)

    def publish(batch: list[Message]) -> None:
        assert all(publisher.publish(batch))

    return publish, publisher.close


def pika_blocking(url: str) -> tuple[Publish, Callable[[], None]]:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()

    def publish(batch: list[Message]) -> None:
        for m in batch:  # basic_publish returns once the broker confirmed (or raises)
            channel.basic_publish(
                EXCHANGE,
                m.routing_key,
                m.body,
                pika.BasicProperties(
                    content_type="application/json",
                    delivery_mode=2,
                    message_id=m.message_id,
                    type=m.routing_key,
                ),
            )

    return publish, connection.close


def amqpstorm_client(url: str) -> tuple[Publish, Callable[[], None]]:
    connection = amqpstorm.UriConnection(url.replace("%2F", "%2f"))
    channel = connection.channel()
    channel.confirm_deliveries()

    def publish(batch: list[Message]) -> None:
        for m in batch:
            message = amqpstorm.Message.create(
                channel,
                m.body,
                {
                    "content_type": "application/json",
                    "delivery_mode": 2,
                    "message_id": m.message_id,
                    "message_type": m.routing_key,
                },
            )
            assert message.publish(m.routing_key, exchange=EXCHANGE)

    return publish, connection.close


def py_amqp_batched(url: str) -> tuple[Publish, Callable[[], None]]:
    """py-amqp (kombu's transport) with confirms read after the whole batch went out."""
    params = pika.URLParameters(url)
    connection = amqp.Connection(
        f"{params.host}:{params.port}",
        userid=params.credentials.username,
        password=params.credentials.password,
        virtual_host=params.virtual_host,
    )
    connection.connect()
    channel = connection.channel()
    channel.confirm_select()
    confirmed = {"tag": 0}
    channel.events["basic_ack"].add(lambda tag, multiple: confirmed.update(tag=tag))
    sent = {"tag": 0}

    def publish(batch: list[Message]) -> None:
        _py_amqp_send(channel, batch)
        sent["tag"] += len(batch)
        while confirmed["tag"] < sent["tag"]:
            connection.drain_events(timeout=10)

    return publish, connection.close


def _py_amqp_send(channel, batch: list[Message]) -> None:
    for m in batch:
        channel.basic_publish(
            amqp.Message(
                m.body,
                content_type="application/json",
                delivery_mode=2,
                message_id=m.message_id,
                type=m.routing_key,
            ),
            exchange=EXCHANGE,
            routing_key=m.routing_key,
        )


def py_amqp_one_by_one(url: str) -> tuple[Publish, Callable[[], None]]:
    """py-amqp's own confirmed publish (kombu's `confirm_publish`): one round trip each."""
    params = pika.URLParameters(url)
    connection = amqp.Connection(
        f"{params.host}:{params.port}",
        userid=params.credentials.username,
        password=params.credentials.password,
        virtual_host=params.virtual_host,
        confirm_publish=True,
    )
    connection.connect()
    channel = connection.channel()

    def publish(batch: list[Message]) -> None:
        _py_amqp_send(channel, batch)

    return publish, connection.close


def aiormq_batched(url: str) -> tuple[Publish, Callable[[], None]]:
    """aiormq (aio-pika's core): a batch published at once, its confirms gathered, driven from
    synchronous code through one event loop."""
    loop = asyncio.new_event_loop()
    connection = loop.run_until_complete(aiormq.connect(url))
    channel = loop.run_until_complete(connection.channel(publisher_confirms=True))

    async def send(batch: list[Message]) -> None:
        confirms = await asyncio.gather(
            *(
                channel.basic_publish(
                    m.body,
                    exchange=EXCHANGE,
                    routing_key=m.routing_key,
                    properties=aiormq.spec.Basic.Properties(
                        content_type="application/json",
                        delivery_mode=2,
                        message_id=m.message_id,
                        message_type=m.routing_key,
                    ),
                )
                for m in batch
            )
        )
        assert all(isinstance(c, aiormq.spec.Basic.Ack) for c in confirms)

    def close() -> None:
        loop.run_until_complete(connection.close())
        # Let aiormq's reader and writer tasks finish their closing before the loop goes.
        if pending := asyncio.all_tasks(loop):
            loop.run_until_complete(asyncio.wait(pending))
        loop.close()

    return (lambda batch: loop.run_until_complete(send(batch))), close


CLIENTS: dict[str, tuple[Callable, float]] = {
    # name: (factory, share of the round's messages: one-at-a-time clients get fewer)
    "own publisher (relay)": (own, 1.0),
    "aiormq, batch gathered": (aiormq_batched, 1.0),
    "py-amqp, batch then confirms": (py_amqp_batched, 1.0),
    "py-amqp/kombu confirm_publish": (py_amqp_one_by_one, 0.1),
    "pika BlockingConnection": (pika_blocking, 0.1),
    # About 8 a second here: each confirm waits out its I/O thread's polling interval.
    "amqpstorm": (amqpstorm_client, 0.005),
}


def _round(factory: Callable, url: str, count: int, body: bytes) -> float:
    publish, close = factory(url)
    batches = [
        [Message(ROUTING_KEY, body, str(uuid.uuid4())) for _ in range(min(BATCH, count - start))]
        for start in range(0, count, BATCH)
    ]
    started = time.perf_counter()
    for batch in batches:
        publish(batch)
    seconds = time.perf_counter() - started
    close()
    return count / seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000, help="per round, batch clients")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER)
    admin = pika.BlockingConnection(pika.URLParameters(url))
    channel = admin.channel()
    channel.exchange_declare(EXCHANGE, "topic", durable=True)
    queue = f"bench.clients.{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, durable=True)
    channel.queue_bind(queue, EXCHANGE, routing_key="#")
    body = _body()
    rates: dict[str, list[float]] = {name: [] for name in CLIENTS}
    try:
        for number in range(args.rounds):
            for name, (factory, share) in CLIENTS.items():
                count = max(100, int(args.messages * share))
                rates[name].append(_round(factory, url, count, body))
                channel.queue_purge(queue)
            print(
                f"round {number + 1}: " + ", ".join(f"{r[-1]:,.0f}" for r in rates.values()),
                flush=True,
            )
    finally:
        channel.queue_delete(queue)
        admin.close()
    own_rates = rates["own publisher (relay)"]
    print(f"\n{'client (persistent, confirms)':<34} {'median/s':>9} {'ratio':>6}  per round")
    for name, values in rates.items():
        # Each round's ratio to the own publisher's rate in the same round: the machine's load
        # changes between rounds more than within one.
        ratios = [v / o for v, o in zip(values, own_rates, strict=True)]
        listed = " ".join(f"{r:.2f}" for r in ratios)
        print(
            f"{name:<34} {statistics.median(values):>9,.0f} "
            f"{statistics.median(ratios):>6.2f}  {listed}"
        )


if __name__ == "__main__":
    main()
