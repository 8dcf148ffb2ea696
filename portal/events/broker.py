"""RabbitMQ publishing with publisher confirms, a whole batch in flight at once.

A small AMQP 0-9-1 publisher over one blocking socket. pika's channel machinery (a properties
object, three frames each written on its own, callbacks through its ioloop) held publishing alone
to ~6,000 messages a second on this machine, under the relay's target with no database at all;
here a batch is encoded with `struct` into one buffer and written with one `sendall`, the
caller's database work runs while the broker stores it, and the confirms are read afterwards
(they wait in the socket meanwhile). pika's codec (`pika.spec`, `pika.frame`) still encodes and
decodes every other method, so the handshake and declarations are not hand-rolled.

No maintained client comes near (bench/amqp_clients.py; docs/operations.md), so this one keeps
what a maintained client would give: heartbeats, sent between batches from the relay's loop
(`tend`), never from a thread sharing the socket; `connection.blocked`, on which publishing
waits for `connection.unblocked`; and TLS with a client certificate logging in by EXTERNAL.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pika
from pika import amqp_object, spec
from pika import frame as amqp_frame
from pika.exceptions import AMQPError

log = logging.getLogger(__name__)

EXCHANGE = "customer.events"
CHANNEL = 1
PROTOCOL_HEADER = b"AMQP\x00\x00\x09\x01"
FRAME_END = b"\xce"
# Basic.Publish (class 60, method 40) and a content header's class id; the header carries
# content-type, delivery-mode, message-id and type: flag bits 15, 12, 7 and 5; correlation-id
# (bit 10, the id of the request that caused the event) when there is one.
PUBLISH_METHOD = struct.pack(">HHH", 60, 40, 0)
HEADER_PREFIX = struct.pack(">HH", 60, 0)
PROPERTY_FLAGS = (1 << 15) | (1 << 12) | (1 << 7) | (1 << 5)
CORRELATION_ID_FLAG = 1 << 10
CONTENT_TYPE = b"\x10application/json"  # as a short string: its length, then the text
PERSISTENT = b"\x02"
FRAME_OVERHEAD = 8  # type, channel, size, frame end
# A confirm as it arrives, a thousand per batch: type, channel, size, class, method, delivery
# tag, flags (bit 0: multiple), then the frame end. Basic.Ack is method 80, Basic.Nack 120.
CONFIRM = struct.Struct(">BHIHHQB")
ACK, NACK = 80, 120
HEARTBEAT = amqp_frame.Heartbeat().marshal()
DEFAULT_HEARTBEAT = 60  # seconds, when neither the URL (`?heartbeat=`) nor the broker says less


class BrokerUnavailable(Exception):
    """No connection to RabbitMQ could be opened, or it broke before anything was confirmed."""


class Message:
    __slots__ = ("body", "correlation_id", "message_id", "routing_key")

    def __init__(
        self, routing_key: str, body: bytes, message_id: str, correlation_id: str | None = None
    ):
        self.routing_key = routing_key
        self.body = body
        self.message_id = message_id
        self.correlation_id = correlation_id


def _shortstr(value: str) -> bytes:
    encoded = value.encode()
    if len(encoded) > 255:
        raise ValueError(f"AMQP short string longer than 255 bytes: {value[:40]}…")
    return bytes((len(encoded),)) + encoded


def _frame(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BHI", kind, CHANNEL, len(payload)) + payload + FRAME_END


def encode_publish(exchange: str, message: Message, frame_max: int) -> list[bytes]:
    """The three-part publish of one persistent JSON message (method, header, body frames)."""
    method = PUBLISH_METHOD + _shortstr(exchange) + _shortstr(message.routing_key) + b"\x00"
    correlated = message.correlation_id is not None
    flags = PROPERTY_FLAGS | (CORRELATION_ID_FLAG if correlated else 0)
    properties = (
        struct.pack(">QH", len(message.body), flags)
        + CONTENT_TYPE
        + PERSISTENT
        + (_shortstr(message.correlation_id) if correlated else b"")
        + _shortstr(message.message_id)
        + _shortstr(message.routing_key)
    )
    parts = [
        _frame(spec.FRAME_METHOD, method),
        _frame(spec.FRAME_HEADER, HEADER_PREFIX + properties),
    ]
    size = frame_max - FRAME_OVERHEAD
    body = message.body
    parts += [_frame(spec.FRAME_BODY, body[at : at + size]) for at in range(0, len(body), size)]
    return parts


class _Closed(Exception):
    """The broker closed the connection or the channel; the publisher must reconnect."""


class RabbitPublisher:
    def __init__(self, url: str, exchange: str = EXCHANGE, timeout: float = 10.0):
        self.parameters = pika.URLParameters(url)
        # An amqps:// URL without a user logs in with its client certificate (EXTERNAL).
        self.external = self.parameters.ssl_options is not None and not urlsplit(url).username
        self.exchange = exchange
        self.timeout = timeout
        # How long a publish waits while the broker blocks the connection (`?blocked_
        # connection_timeout=`): then BrokerUnavailable, and the relay backs off.
        self.blocked_timeout = self.parameters.blocked_connection_timeout or timeout
        self._socket: socket.socket | None = None
        self._buffer = bytearray()
        self._frame_max = spec.FRAME_MAX_SIZE
        self._tag = 0  # the broker numbers published messages 1, 2, … per channel
        self._heartbeat = 0  # negotiated seconds, 0: none
        self._last_sent = self._last_received = 0.0
        self.blocked: str | None = None  # the broker's reason while it blocks publishing

    # -- the synchronous face ------------------------------------------------------------------

    def publish(
        self, messages: list[Message], meanwhile: Callable[[], None] = lambda: None
    ) -> list[bool]:
        """Publish persistently; True where the broker confirmed. BrokerUnavailable when no
        connection could be had or it broke before the batch went out. `meanwhile` runs once the
        batch has gone out, while the broker stores and confirms it (the caller's database
        work); what it raises is raised after the confirms were read."""
        if not self._usable():
            self.close()
            self._connect()
        self._wait_while_blocked()
        first = self._tag + 1
        payload = b"".join(
            part
            for message in messages
            for part in encode_publish(self.exchange, message, self._frame_max)
        )
        try:
            self._write(payload)
        except OSError as exc:
            self.close()
            raise BrokerUnavailable(repr(exc)) from exc
        self._tag += len(messages)
        error: BaseException | None = None
        try:
            meanwhile()
        except BaseException as exc:  # re-raised below, after the confirms
            error = exc
        results = self._confirms(first, len(messages))
        if error is not None:
            raise error
        return results

    def tend(self) -> None:
        """Between batches (the relay's loop calls this while idle): take what the broker said
        (heartbeats, blocked or unblocked, a close), give up a connection on which the broker
        has been silent for two heartbeat intervals, and send a heartbeat when half an interval
        passed without a frame from here."""
        if self._socket is None:
            return
        if not self._usable():
            self.close()
            return
        if self._heartbeat and time.monotonic() - self._last_sent >= self._heartbeat / 2:
            try:
                self._write(HEARTBEAT)
            except OSError:
                self.close()

    def close(self) -> None:
        sock, self._socket = self._socket, None
        self._buffer.clear()
        self.blocked = None
        if sock is None:
            return
        try:
            sock.settimeout(1.0)
            close = spec.Connection.Close(reply_code=200, reply_text="bye", class_id=0, method_id=0)
            sock.sendall(amqp_frame.Method(0, close).marshal())
        except OSError:
            pass  # already gone: nothing to say goodbye to
        finally:
            sock.close()

    # -- confirms --------------------------------------------------------------------------------

    def _confirms(self, first: int, count: int) -> list[bool]:
        """Read acks and nacks for delivery tags first … first+count-1 until all are in, the
        connection breaks or the timeout passes; unconfirmed messages count as refused."""
        results: list[bool | None] = [None] * count
        waiting, low = count, 0  # low: the first message still waiting
        deadline = time.monotonic() + self.timeout
        try:
            while waiting:
                confirm = self._take_confirm()
                if confirm is None:
                    method = self._next_method(deadline)
                    if not isinstance(method, spec.Basic.Ack | spec.Basic.Nack):
                        continue  # nothing else is expected on a publishing channel
                    confirm = (
                        isinstance(method, spec.Basic.Ack),
                        method.delivery_tag,
                        method.multiple,
                    )
                acked, tag, multiple = confirm
                last = tag - first
                for index in range(max(low if multiple else last, 0), min(last + 1, count)):
                    if results[index] is None:
                        results[index] = acked
                        waiting -= 1
                while low < count and results[low] is not None:
                    low += 1
        except (OSError, _Closed, AMQPError) as exc:
            log.warning("broker: %d of %d unconfirmed (%s)", waiting, count, exc)
            self.close()
        return [bool(r) for r in results]

    def _take_confirm(self) -> tuple[bool, int, bool] | None:
        """The next frame, if it is an ack or a nack, decoded here rather than by pika's codec
        (a tenth of the relay's time went there); None for anything else."""
        buffer = self._buffer
        end = CONFIRM.size
        if len(buffer) <= end or buffer[0] != spec.FRAME_METHOD or buffer[end] != FRAME_END[0]:
            return None
        _kind, _channel, size, class_id, method_id, tag, flags = CONFIRM.unpack_from(buffer)
        if size != end - 7 or class_id != 60 or method_id not in (ACK, NACK):
            return None
        del buffer[: end + 1]
        return method_id == ACK, tag, bool(flags & 1)

    def _wait_while_blocked(self) -> None:
        """While the broker blocks the connection (a memory or disk alarm: it would stop
        reading mid-batch), wait for it to unblock; past `blocked_timeout` the broker counts as
        unavailable, the connection is kept for the unblock to arrive on."""
        if self.blocked is None:
            return
        deadline = time.monotonic() + self.blocked_timeout
        try:
            while self.blocked is not None:
                self._next_method(deadline)
        except TimeoutError:
            raise BrokerUnavailable(f"connection blocked by the broker: {self.blocked}") from None
        except (OSError, _Closed, AMQPError) as exc:
            self.close()
            raise BrokerUnavailable(repr(exc)) from exc

    # -- the connection --------------------------------------------------------------------------

    def _usable(self) -> bool:
        """Open, not closed by the broker while idle (a restart, an administrator) and not
        silent past two heartbeat intervals: the socket has nothing to say, or only says
        something harmless."""
        if self._socket is None:
            return False
        try:
            self._socket.setblocking(False)
            try:
                data = self._socket.recv(65536)
            except BlockingIOError:
                data = None
            finally:
                self._socket.settimeout(self.timeout)
            if data is not None:
                if not data:
                    return False
                self._received(data)
                while self._take_frame() is not None:
                    pass
        except (OSError, _Closed, AMQPError):
            return False
        silent = time.monotonic() - self._last_received
        if self._heartbeat and silent > 2 * self._heartbeat:
            log.warning("broker: no heartbeat for %.0f s; reconnecting", silent)
            return False
        return True

    def _write(self, data: bytes) -> None:
        self._socket.sendall(data)
        self._last_sent = time.monotonic()

    def _received(self, data: bytes) -> None:
        self._buffer += data
        self._last_received = time.monotonic()

    def _connect(self) -> None:
        params = self.parameters
        try:
            sock = socket.create_connection((params.host, params.port), timeout=self.timeout)
            self._socket = sock  # closed below if TLS or the handshake fails
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            if params.ssl_options is not None:
                self._socket = params.ssl_options.context.wrap_socket(
                    sock, server_hostname=params.ssl_options.server_hostname or params.host
                )
            self._handshake()
        except (OSError, _Closed, AMQPError) as exc:
            self.close()
            raise BrokerUnavailable(repr(exc)) from exc

    def _handshake(self) -> None:
        deadline = time.monotonic() + self.timeout
        self._write(PROTOCOL_HEADER)
        start = self._expect(spec.Connection.Start, deadline)
        mechanism, response = self._login()
        if mechanism.encode() not in start.mechanisms.split():
            raise _Closed(f"the broker does not offer {mechanism} login ({start.mechanisms!r})")
        self._send(
            0,
            spec.Connection.StartOk(
                client_properties={
                    "product": "EFI customer portal relay",
                    "capabilities": {"publisher_confirms": True, "connection.blocked": True},
                },
                mechanism=mechanism,
                response=response,
            ),
        )
        tune = self._expect(spec.Connection.Tune, deadline)
        self._frame_max = min(tune.frame_max or spec.FRAME_MAX_SIZE, self.parameters.frame_max)
        self._heartbeat = self._negotiated_heartbeat(tune.heartbeat)
        self._send(0, spec.Connection.TuneOk(tune.channel_max, self._frame_max, self._heartbeat))
        self._send(0, spec.Connection.Open(virtual_host=self.parameters.virtual_host))
        self._expect(spec.Connection.OpenOk, deadline)
        self._send(CHANNEL, spec.Channel.Open())
        self._expect(spec.Channel.OpenOk, deadline)
        self._send(
            CHANNEL,
            spec.Exchange.Declare(exchange=self.exchange, type="topic", durable=True),
        )
        self._expect(spec.Exchange.DeclareOk, deadline)
        self._send(CHANNEL, spec.Confirm.Select())
        self._expect(spec.Confirm.SelectOk, deadline)
        self._tag = 0

    def _login(self) -> tuple[str, str]:
        if self.external:  # the broker takes the user name from the client certificate
            return "EXTERNAL", ""
        credentials = self.parameters.credentials
        return "PLAIN", f"\0{credentials.username}\0{credentials.password}"

    def _negotiated_heartbeat(self, proposed: int) -> int:
        """The lower of the broker's proposal and ours (the URL's, else DEFAULT_HEARTBEAT); 0
        from either side turns heartbeats off, as in pika."""
        ours = self.parameters.heartbeat
        ours = DEFAULT_HEARTBEAT if ours is None else ours
        return min(proposed, ours) if proposed and ours else 0

    def _send(self, channel: int, method: amqp_object.Method) -> None:
        self._write(amqp_frame.Method(channel, method).marshal())

    def _expect(self, kind: type, deadline: float):
        method = self._next_method(deadline)
        if not isinstance(method, kind):
            raise _Closed(f"expected {kind.NAME}, got {method.NAME}")
        return method

    def _next_method(self, deadline: float):
        """The next method frame from the broker, reading the socket as needed."""
        while True:
            method = self._take_frame()
            if method is not None:
                return method
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer from the broker in time")
            self._socket.settimeout(remaining)
            data = self._socket.recv(65536)
            if not data:
                raise _Closed("the broker closed the connection")
            self._received(data)

    def _take_frame(self):
        """Decode the buffer's next method frame, or None when there is none yet (heartbeats are
        skipped: any frame shows the broker alive). Blocked and unblocked change `blocked` and
        are returned; a close from the broker is answered and raised."""
        frame = None
        while not isinstance(frame, amqp_frame.Method):
            if len(self._buffer) < FRAME_OVERHEAD:
                return None
            (size,) = struct.unpack_from(">I", self._buffer, 3)
            if len(self._buffer) < size + FRAME_OVERHEAD:
                return None
            used, frame = amqp_frame.decode_frame(bytes(self._buffer[: size + FRAME_OVERHEAD]))
            del self._buffer[:used]
        method = frame.method
        if isinstance(method, spec.Connection.Blocked):
            self.blocked = method.reason or "no reason given"
            log.warning("broker: publishing blocked (%s)", self.blocked)
        elif isinstance(method, spec.Connection.Unblocked):
            self.blocked = None
            log.info("broker: publishing unblocked")
        if isinstance(method, spec.Connection.Close | spec.Channel.Close):
            reply = (
                spec.Connection.CloseOk() if frame.channel_number == 0 else spec.Channel.CloseOk()
            )
            with contextlib.suppress(OSError):  # the broker may already have hung up
                self._send(frame.channel_number, reply)
            raise _Closed(f"{method.NAME}: {method.reply_code} {method.reply_text}")
        return method
