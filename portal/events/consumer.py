"""The queue consumer: consumed events arrive on a durable RabbitMQ queue.

Messages are taken in batches (one transaction, then one multiple-ack), so a crash between the
commit and the ack only redelivers events the inbox already knows. Refused messages are parked
and acknowledged; a lost database leaves the batch queued (nack with requeue) and a lost broker
connection is reopened with backoff: the consumer itself never stops on a bad message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pika
from pika.exceptions import AMQPError
from sqlalchemy.exc import OperationalError

from portal.events.catalogue import CONSUMED
from portal.events.intake import take_batch
from portal.extensions import db
from portal.metrics import CONSUMER_HEARTBEAT

log = logging.getLogger(__name__)

QUEUE = "customer.inbox"


def _open(url: str, queue: str, bind: str | None, prefetch: int):
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare(queue, durable=True)
    if bind:
        channel.exchange_declare(bind, "topic", durable=True)
        for event_type in CONSUMED:
            channel.queue_bind(queue, bind, routing_key=event_type)
    channel.basic_qos(prefetch_count=prefetch)
    return connection, channel


def _drain(channel, queue: str, batch: int, idle: float, should_stop: Callable[[], bool]):
    bodies: list[bytes] = []
    last_tag = 0
    for method, _properties, body in channel.consume(queue, inactivity_timeout=idle):
        CONSUMER_HEARTBEAT.set(time.time())
        if method is not None:
            bodies.append(body)
            last_tag = method.delivery_tag
        if bodies and (method is None or len(bodies) >= batch):
            try:
                take_batch(bodies, "queue")
            except OperationalError:
                db.session.rollback()
                log.exception("database unavailable; %d messages stay queued", len(bodies))
                channel.basic_nack(last_tag, multiple=True, requeue=True)
                time.sleep(1.0)
            else:
                channel.basic_ack(last_tag, multiple=True)
            bodies = []
        if method is None and should_stop():
            break
    channel.cancel()


def consume_queue(
    url: str,
    queue: str = QUEUE,
    *,
    bind: str | None = None,
    batch: int = 500,
    idle: float = 0.05,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Run until should_stop() says so (checked whenever the queue is idle)."""
    outage = 0
    while not should_stop():
        connection = None
        try:
            connection, channel = _open(url, queue, bind, batch)
            outage = 0
            _drain(channel, queue, batch, idle, should_stop)
        except AMQPError as exc:
            outage += 1
            pause = min(30.0, 0.5 * 2 ** (outage - 1))
            log.warning("broker connection lost (%r); reconnecting in %.1f s", exc, pause)
            time.sleep(pause)
        finally:
            if connection is not None and connection.is_open:
                connection.close()
