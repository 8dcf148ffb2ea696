"""RabbitMQ publishing with publisher confirms, a whole batch in flight at once.

pika's BlockingChannel waits for each confirm before the next publish (one round trip and one
broker fsync per message: a few hundred a second). The asynchronous connection lets a batch go
out back to back and the confirms come back together, so this class drives pika's
SelectConnection synchronously: publish() returns when every message of the batch is confirmed,
refused or lost with the connection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pika
from pika.exceptions import AMQPError
from pika.exchange_type import ExchangeType
from pika.spec import Basic

log = logging.getLogger(__name__)

EXCHANGE = "customer.events"


class BrokerUnavailable(Exception):
    """No connection to RabbitMQ could be opened, or it broke before anything was confirmed."""


class Message:
    __slots__ = ("body", "message_id", "routing_key")

    def __init__(self, routing_key: str, body: bytes, message_id: str):
        self.routing_key = routing_key
        self.body = body
        self.message_id = message_id


class _Meanwhile:
    """Work run inside the ioloop (or after it, if the loop ended first), its error kept for
    the caller: an exception must not unwind pika's loop."""

    def __init__(self, work: Callable[[], None]):
        self.work = work
        self.ran = False
        self.error: BaseException | None = None

    def __call__(self) -> None:
        self.ran = True
        try:
            self.work()
        except BaseException as exc:  # re-raised by finish(), outside the loop
            self.error = exc

    def finish(self) -> None:
        if not self.ran:
            self()
        if self.error is not None:
            raise self.error


class RabbitPublisher:
    def __init__(self, url: str, exchange: str = EXCHANGE, timeout: float = 10.0):
        self.parameters = pika.URLParameters(url)
        self.exchange = exchange
        self.timeout = timeout
        self._connection: pika.SelectConnection | None = None
        self._channel = None
        self._error: str | None = None
        self._tag = 0
        self._pending: dict[int, int] = {}  # delivery tag → index in the batch
        self._results: list[bool] = []
        self._until: Callable[[], bool] | None = None
        self._loop = None  # the ioloop being run, stopped by the callbacks

    # -- the synchronous face ------------------------------------------------------------------

    def publish(
        self, messages: list[Message], meanwhile: Callable[[], None] = lambda: None
    ) -> list[bool]:
        """Publish persistently; True where the broker confirmed. BrokerUnavailable when no
        connection could be had. `meanwhile` runs once the batch has gone out, while the broker
        stores and confirms it (the caller's database work); what it raises is raised after."""
        if self._channel is None or not self._channel.is_open:
            self.close()
            self._connect()
        self._results = [False] * len(messages)
        self._pending = {}
        try:
            for index, message in enumerate(messages):
                self._channel.basic_publish(
                    self.exchange,
                    message.routing_key,
                    message.body,
                    pika.BasicProperties(
                        delivery_mode=pika.DeliveryMode.Persistent,
                        content_type="application/json",
                        message_id=message.message_id,
                        type=message.routing_key,
                    ),
                )
                self._tag += 1
                self._pending[self._tag] = index
        except AMQPError as exc:  # the connection broke between two batches
            self.close()
            raise BrokerUnavailable(repr(exc)) from exc
        # A timer due at once runs after the loop's first pass, which writes the batch out.
        side = _Meanwhile(meanwhile)
        timer = self._connection.ioloop.call_later(0, side)
        self._run_until(lambda: not self._pending or self._channel is None)
        if self._pending:  # timed out or the connection broke: start afresh next time
            log.warning("broker: %d of %d unconfirmed", len(self._pending), len(messages))
            self.close()
        elif not side.ran:
            self._connection.ioloop.remove_timeout(timer)
        side.finish()
        return self._results

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is None:
            return
        if not connection.is_closed and not connection.is_closing:
            connection.close()
        self._run(connection, lambda: connection.is_closed)
        connection.ioloop.close()  # and its wake-up socket pair

    # -- driving the asynchronous connection ---------------------------------------------------

    def _connect(self) -> None:
        self._error = None
        self._connection = pika.SelectConnection(
            self.parameters,
            on_open_callback=lambda c: c.channel(on_open_callback=self._on_channel),
            on_open_error_callback=self._on_failure,
            on_close_callback=self._on_failure,
        )
        self._run_until(lambda: self._channel is not None or self._error is not None)
        if self._channel is None:
            error, self._error = self._error or "timed out", None
            self.close()
            raise BrokerUnavailable(error)

    def _run_until(self, done: Callable[[], bool]) -> None:
        if self._connection is not None:
            self._run(self._connection, done)

    def _run(self, connection, done: Callable[[], bool]) -> None:
        if done():
            return
        self._until, self._loop = done, connection.ioloop
        timer = self._loop.call_later(self.timeout, self._loop.stop)
        self._loop.start()
        self._loop.remove_timeout(timer)
        self._until = self._loop = None

    def _wake(self) -> None:
        if self._loop is not None and self._until is not None and self._until():
            self._loop.stop()

    def _on_channel(self, channel) -> None:
        channel.add_on_close_callback(lambda _channel, reason: self._on_failure(None, reason))

        def confirmed(_frame) -> None:
            self._tag = 0
            self._channel = channel
            self._wake()

        channel.exchange_declare(
            self.exchange,
            ExchangeType.topic,
            durable=True,
            callback=lambda _frame: channel.confirm_delivery(self._on_confirm, confirmed),
        )

    def _on_confirm(self, frame) -> None:
        method = frame.method
        acked = isinstance(method, Basic.Ack)
        tags = (
            [t for t in self._pending if t <= method.delivery_tag]
            if method.multiple
            else [method.delivery_tag]
        )
        for tag in tags:
            index = self._pending.pop(tag, None)
            if index is not None:
                self._results[index] = acked
        self._wake()

    def _on_failure(self, _connection, reason) -> None:
        self._error = str(reason)
        self._channel = None
        self._wake()
