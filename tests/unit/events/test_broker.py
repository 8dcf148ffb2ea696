"""The publisher against a scripted broker on loopback: what it sends must be what pika's codec
sends, and every way a broker can answer (acks one by one or many at once, a nack, silence, a
close mid-batch or while idle, a refused login, a blocked connection, missing heartbeats) must
end as True/False per message or as BrokerUnavailable, never as a hang or a message counted
twice. Heartbeats, connection.blocked and TLS with a client certificate (EXTERNAL) are what a
maintained client would handle. The real RabbitMQ is exercised in
tests/integration/test_rabbitmq.py."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pika
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pika import frame as amqp_frame
from pika import spec

from portal.events.broker import BrokerUnavailable, Message, RabbitPublisher, encode_publish


class ScriptedBroker:
    """Speaks just enough AMQP 0-9-1 for a publisher. `answer(n)` decides what the n-th message
    of a connection (1-based) gets: "ack", "nack", "hold" (nothing), "close" (Connection.Close
    instead of a confirm). With `multiple`, the acks of each read are sent as one. It proposes
    `heartbeat` seconds and, while `beating` is set, sends a heartbeat every half of them."""

    def __init__(
        self,
        answer: Callable[[int], str] = lambda n: "ack",
        *,
        multiple: bool = False,
        tls: ssl.SSLContext | None = None,
        mechanisms: str = "PLAIN",
        heartbeat: int = 60,
    ):
        self.answer = answer
        self.tls = tls
        self.multiple = multiple
        self.mechanisms = mechanisms
        self.heartbeat = heartbeat
        self.beating = threading.Event()
        self.beating.set()
        self.refuse_login = False
        self.logins: list[tuple[str, bytes, str | None]] = []  # mechanism, response, peer name
        self.heartbeats = 0  # heartbeat frames from the publisher
        self.tuned: list[int] = []  # the heartbeat interval each connection settled on
        self.received: list[tuple[str, dict, bytes]] = []
        self.received_at: list[float] = []  # monotonic, per message
        self.unblocked_at: float | None = None
        self.connections: list[socket.socket] = []
        self._writing = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"amqp://guest:guest@127.0.0.1:{self.listener.getsockname()[1]}/%2F"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            if self.tls is not None:
                try:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                except ssl.SSLError:  # the client did not trust the certificate
                    sock.close()
                    continue
            self.connections.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        buffer = bytearray()

        def frames():
            while True:
                used, frame = amqp_frame.decode_frame(bytes(buffer))
                if frame is not None:
                    del buffer[:used]
                    yield frame
                    continue
                yield None  # all read is taken: the point where `multiple` acks go out
                data = sock.recv(65536)
                if not data:
                    return
                buffer.extend(data)

        try:
            self._converse(sock, frames())
        except OSError:
            pass
        finally:
            sock.close()

    def _send(self, sock: socket.socket, channel: int, method) -> None:
        self._write(sock, amqp_frame.Method(channel, method).marshal())

    def _write(self, sock: socket.socket, data: bytes) -> None:
        with self._writing:  # the heartbeat thread writes too
            sock.sendall(data)

    def _beat(self, sock: socket.socket, interval: float) -> None:
        while sock.fileno() != -1:
            time.sleep(interval / 2)
            if self.beating.is_set():
                try:
                    self._write(sock, amqp_frame.Heartbeat().marshal())
                except OSError:
                    return

    def _converse(self, sock: socket.socket, frames) -> None:
        incoming = (f for f in frames if f is not None)
        next(incoming)  # protocol header
        self._send(sock, 0, spec.Connection.Start(mechanisms=self.mechanisms, locales="en_US"))
        start_ok = next(incoming).method
        if isinstance(start_ok, spec.Connection.Close):  # the publisher found no way to log in
            return
        peer = sock.getpeercert() if isinstance(sock, ssl.SSLSocket) else None
        self.logins.append(
            (
                start_ok.mechanism,
                start_ok.response,
                dict(pair[0] for pair in peer["subject"])["commonName"] if peer else None,
            )
        )
        assert start_ok.client_properties["capabilities"]["connection.blocked"] is True
        if self.refuse_login or start_ok.mechanism not in self.mechanisms.split():
            self._send(sock, 0, spec.Connection.Close(403, "ACCESS_REFUSED", 0, 0))
            return
        self._send(sock, 0, spec.Connection.Tune(2047, 4096, self.heartbeat))
        tune_ok = next(incoming).method
        self.tuned.append(tune_ok.heartbeat)
        if tune_ok.heartbeat:
            threading.Thread(target=self._beat, args=(sock, tune_ok.heartbeat), daemon=True).start()
        for reply in (
            spec.Connection.OpenOk(),
            spec.Channel.OpenOk(),
            spec.Exchange.DeclareOk(),
            spec.Confirm.SelectOk(),
        ):
            next(incoming)
            self._send(sock, 0 if isinstance(reply, spec.Connection.OpenOk) else 1, reply)
        count, unsent_acks, publish, header, body = 0, 0, None, None, b""
        for frame in frames:
            if frame is None:
                if unsent_acks:
                    self._send(sock, 1, spec.Basic.Ack(delivery_tag=count, multiple=True))
                    unsent_acks = 0
                continue
            if isinstance(frame, amqp_frame.Heartbeat):
                self.heartbeats += 1
                continue
            if isinstance(frame, amqp_frame.Method):
                if isinstance(frame.method, spec.Connection.Close):
                    self._send(sock, 0, spec.Connection.CloseOk())
                    return
                publish, body = frame.method, b""
            elif isinstance(frame, amqp_frame.Header):
                header = frame
            elif isinstance(frame, amqp_frame.Body):
                body += frame.fragment
                if len(body) < header.body_size:
                    continue
                count += 1
                self.received_at.append(time.monotonic())
                properties = header.properties
                self.received.append(
                    (
                        publish.routing_key,
                        {
                            "content_type": properties.content_type,
                            "delivery_mode": properties.delivery_mode,
                            "message_id": properties.message_id,
                            "type": properties.type,
                        },
                        body,
                    )
                )
                match self.answer(count):
                    case "ack" if self.multiple:
                        unsent_acks += 1
                    case "ack":
                        self._send(sock, 1, spec.Basic.Ack(delivery_tag=count))
                    case "nack":
                        self._send(sock, 1, spec.Basic.Nack(delivery_tag=count))
                    case "close":
                        self._send(sock, 0, spec.Connection.Close(320, "CONNECTION_FORCED", 0, 0))
                        return

    def block(self, reason: str) -> None:
        """A resource alarm: RabbitMQ tells publishers, then stops reading from them."""
        for sock in self.connections:
            self._send(sock, 0, spec.Connection.Blocked(reason))

    def unblock(self) -> None:
        self.unblocked_at = time.monotonic()
        for sock in self.connections:
            self._send(sock, 0, spec.Connection.Unblocked())

    def hang_up(self) -> None:
        for sock in self.connections:
            with contextlib.suppress(OSError):  # closed already
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.listener.close()
        self.hang_up()


@pytest.fixture
def broker():
    brokers: list[ScriptedBroker] = []

    def make(*args, **kwargs) -> ScriptedBroker:
        brokers.append(ScriptedBroker(*args, **kwargs))
        return brokers[-1]

    yield make
    for b in brokers:
        b.close()


def _messages(count: int, size: int = 60) -> list[Message]:
    return [Message("CustomerUpdated", b"x" * size, f"id-{n}") for n in range(count)]


def test_a_message_is_encoded_exactly_as_pikas_codec_encodes_it_body_split_at_frame_max():
    body = bytes(range(256)) * 40  # 10,240 bytes: three body frames of at most 4,096
    message = Message("CustomerAddressAdded", body, "6f1c5bb2-6d7e-4c35-9d55-0d1d7a1b6a6e")
    expected = [
        amqp_frame.Method(
            1, spec.Basic.Publish(exchange="customer.events", routing_key=message.routing_key)
        ).marshal(),
        amqp_frame.Header(
            1,
            len(body),
            pika.BasicProperties(
                content_type="application/json",
                delivery_mode=2,
                message_id=message.message_id,
                type=message.routing_key,
            ),
        ).marshal(),
    ] + [amqp_frame.Body(1, body[at : at + 4088]).marshal() for at in range(0, len(body), 4088)]
    assert encode_publish("customer.events", message, 4096) == expected


def test_a_batch_goes_out_with_its_properties_and_every_message_is_confirmed(broker):
    fake = broker(multiple=True)
    publisher = RabbitPublisher(fake.url)
    batch = _messages(300, size=5000)  # bodies over the negotiated frame size
    assert publisher.publish(batch) == [True] * 300
    assert publisher.publish(_messages(2)) == [True, True]  # tags go on counting
    publisher.close()
    assert len(fake.received) == 302
    assert fake.received[0] == (
        "CustomerUpdated",
        {
            "content_type": "application/json",
            "delivery_mode": 2,
            "message_id": "id-0",
            "type": "CustomerUpdated",
        },
        b"x" * 5000,
    )
    assert len(fake.connections) == 1


def test_a_nacked_message_is_refused_and_the_others_confirmed(broker):
    fake = broker(lambda n: "nack" if n == 3 else "ack")
    publisher = RabbitPublisher(fake.url)
    assert publisher.publish(_messages(5)) == [True, True, False, True, True]
    publisher.close()


def test_a_close_mid_batch_leaves_the_rest_unconfirmed_and_the_next_batch_reconnects(broker):
    fake = broker(lambda n: "close" if n == 3 else "ack")
    publisher = RabbitPublisher(fake.url, timeout=2.0)
    assert publisher.publish(_messages(5)) == [True, True, False, False, False]
    fake.answer = lambda n: "ack"
    assert publisher.publish(_messages(2)) == [True, True]
    assert len(fake.connections) == 2
    publisher.close()


def test_confirms_that_never_come_time_out_as_refused_and_the_connection_is_replaced(broker):
    fake = broker(lambda n: "hold")
    publisher = RabbitPublisher(fake.url, timeout=0.3)
    assert publisher.publish(_messages(3)) == [False, False, False]
    fake.answer = lambda n: "ack"
    assert publisher.publish(_messages(1)) == [True]
    assert len(fake.connections) == 2
    publisher.close()


def test_a_connection_the_broker_dropped_while_idle_is_replaced_before_publishing(broker):
    fake = broker()
    publisher = RabbitPublisher(fake.url)
    assert publisher.publish(_messages(2)) == [True, True]
    fake.hang_up()
    time.sleep(0.05)  # for the hang-up to reach the publisher's socket
    assert publisher.publish(_messages(2)) == [True, True]  # nothing lost to the dead socket
    assert len(fake.connections) == 2
    publisher.close()


def test_the_callers_work_runs_before_the_confirms_are_read_and_its_error_comes_after(broker):
    fake = broker()
    publisher = RabbitPublisher(fake.url)
    ran: list[bool] = []

    def meanwhile() -> None:
        ran.append(True)
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError, match="database gone"):
        publisher.publish(_messages(3), meanwhile)
    assert ran == [True]
    assert publisher.publish(_messages(1)) == [True]  # same connection, delivery tags in step
    assert len(fake.connections) == 1
    publisher.close()


def _self_signed(directory: Path, common_name: str = "localhost") -> tuple[Path, Path]:
    """A certificate and its key, files named after `common_name`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, private = directory / f"{common_name}.pem", directory / f"{common_name}.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, private


def _amqps(url: str, **ssl_options: str) -> str:
    return url.replace("amqp://", "amqps://") + f"?ssl_options={quote(str(ssl_options))}"


def test_amqps_urls_publish_over_tls_checking_the_brokers_certificate(broker, tmp_path):
    cert, key = _self_signed(tmp_path)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    fake = broker(tls=server)
    options = quote(str({"ca_certs": str(cert), "server_hostname": "localhost"}))
    url = fake.url.replace("amqp://", "amqps://") + f"?ssl_options={options}"
    publisher = RabbitPublisher(url)
    assert publisher.publish(_messages(3)) == [True, True, True]
    publisher.close()
    assert isinstance(fake.connections[0], ssl.SSLSocket)
    (tmp_path / "other").mkdir()
    other_ca, _ = _self_signed(tmp_path / "other")
    stranger = str({"ca_certs": str(other_ca), "server_hostname": "localhost"})
    untrusted = fake.url.replace("amqp://", "amqps://") + f"?ssl_options={quote(stranger)}"
    with pytest.raises(BrokerUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        RabbitPublisher(untrusted, timeout=1.0).publish(_messages(1))


def test_an_unreachable_or_refusing_broker_is_unavailable(broker):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    with pytest.raises(BrokerUnavailable):
        RabbitPublisher(f"amqp://guest:guest@127.0.0.1:{port}/%2F", timeout=1.0).publish(
            _messages(1)
        )
    fake = broker()
    fake.refuse_login = True
    with pytest.raises(BrokerUnavailable, match="ACCESS_REFUSED"):
        RabbitPublisher(fake.url, timeout=1.0).publish(_messages(1))


def test_a_client_certificate_logs_in_by_external_over_tls(broker, tmp_path):
    broker_cert, broker_key = _self_signed(tmp_path)
    client_cert, client_key = _self_signed(tmp_path, "efi-relay")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(broker_cert, broker_key)
    server.verify_mode = ssl.CERT_REQUIRED  # as RabbitMQ's fail_if_no_peer_cert
    server.load_verify_locations(client_cert)
    fake = broker(tls=server, mechanisms="PLAIN EXTERNAL")
    trust = {"ca_certs": str(broker_cert), "server_hostname": "localhost"}
    # No user in the URL: the certificate is the identity.
    url = _amqps(fake.url.replace("guest:guest@", ""), **trust)
    publisher = RabbitPublisher(url, timeout=2.0)
    with pytest.raises(BrokerUnavailable):  # no client certificate: the broker hangs up
        publisher.publish(_messages(1))
    with_cert = _amqps(
        fake.url.replace("guest:guest@", ""),
        **trust,
        certfile=str(client_cert),
        keyfile=str(client_key),
    )
    publisher = RabbitPublisher(with_cert, timeout=2.0)
    assert publisher.publish(_messages(2)) == [True, True]
    publisher.close()
    assert fake.logins == [("EXTERNAL", b"", "efi-relay")]


def test_external_login_is_unavailable_where_the_broker_offers_only_plain(broker, tmp_path):
    broker_cert, broker_key = _self_signed(tmp_path)
    client_cert, client_key = _self_signed(tmp_path, "efi-relay")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(broker_cert, broker_key)
    fake = broker(tls=server)
    url = _amqps(
        fake.url.replace("guest:guest@", ""),
        ca_certs=str(broker_cert),
        server_hostname="localhost",
        certfile=str(client_cert),
        keyfile=str(client_key),
    )
    with pytest.raises(BrokerUnavailable, match="does not offer EXTERNAL"):
        RabbitPublisher(url, timeout=1.0).publish(_messages(1))


def _tend_for(publisher: RabbitPublisher, seconds: float) -> None:
    """What the relay's loop does while the outbox is empty."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        publisher.tend()
        time.sleep(0.05)


def test_heartbeats_keep_an_idle_connection_and_a_silent_broker_is_left_for_a_new_one(broker):
    fake = broker(heartbeat=1)
    publisher = RabbitPublisher(fake.url, timeout=2.0)
    assert publisher.publish(_messages(1)) == [True]
    _tend_for(publisher, 1.6)
    assert fake.heartbeats >= 2  # one per half interval without a frame from the publisher
    assert publisher.publish(_messages(1)) == [True]
    assert len(fake.connections) == 1  # the broker's heartbeats kept it usable

    fake.beating.clear()  # the broker goes silent, the socket stays open
    _tend_for(publisher, 2.5)
    fake.beating.set()
    assert publisher.publish(_messages(1)) == [True]
    assert len(fake.connections) == 2
    publisher.close()


def test_the_heartbeat_is_the_lower_of_the_urls_and_the_brokers(broker):
    fake = broker(heartbeat=30)
    for query in ("?heartbeat=5", "?heartbeat=0", "?heartbeat=90", ""):
        publisher = RabbitPublisher(fake.url + query)
        publisher.publish(_messages(1))
        publisher.close()
    assert fake.tuned == [5, 0, 30, 30]  # 0: off


def test_a_blocked_connection_pauses_publishing_until_the_broker_unblocks_it(broker):
    fake = broker()
    publisher = RabbitPublisher(fake.url)
    assert publisher.publish(_messages(1)) == [True]
    fake.block("low on memory")
    time.sleep(0.05)
    results: list[list[bool]] = []
    worker = threading.Thread(target=lambda: results.append(publisher.publish(_messages(3))))
    worker.start()
    time.sleep(0.3)
    assert worker.is_alive()
    assert len(fake.received) == 1  # nothing sent while blocked
    assert publisher.blocked == "low on memory"
    fake.unblock()
    worker.join(5)
    assert results == [[True, True, True]]
    assert len(fake.received) == 4
    assert publisher.blocked is None
    assert len(fake.connections) == 1
    publisher.close()


def test_a_connection_blocked_too_long_is_unavailable_and_kept_for_the_unblock(broker):
    fake = broker()
    publisher = RabbitPublisher(fake.url + "?blocked_connection_timeout=0.2")
    assert publisher.publish(_messages(1)) == [True]
    fake.block("low on disk")
    time.sleep(0.05)
    with pytest.raises(BrokerUnavailable, match="blocked by the broker: low on disk"):
        publisher.publish(_messages(2))
    assert len(fake.received) == 1
    fake.unblock()
    time.sleep(0.05)
    publisher.tend()  # the relay's loop, backing off
    assert publisher.blocked is None
    assert publisher.publish(_messages(2)) == [True, True]
    assert len(fake.connections) == 1
    publisher.close()
