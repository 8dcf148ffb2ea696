"""RabbitMQ on 127.0.0.1:5672 (guest/guest). Without one the tests skip, saying why, except on
CI (env CI set), where a missing broker is a failure: .ci/run starts it."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Iterator

import pika
import pytest

BROKER_URL = os.environ.get("TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def _reachable() -> bool:
    try:
        pika.BlockingConnection(pika.URLParameters(BROKER_URL)).close()
    except pika.exceptions.AMQPError:
        return False
    return True


@pytest.fixture(scope="session")
def broker_url() -> str:
    if not _reachable():
        if os.environ.get("CI"):
            pytest.fail(f"RabbitMQ is not reachable at {BROKER_URL}; .ci/run should start it")
        pytest.skip(f"RabbitMQ is not reachable at {BROKER_URL} (start it to run these tests)")
    return BROKER_URL


@pytest.fixture
def channel(broker_url) -> Iterator:
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    yield connection.channel()
    connection.close()


@pytest.fixture
def queue_name(channel) -> Iterator[str]:
    name = f"test.{uuid.uuid4().hex[:12]}"
    yield name
    channel.queue_delete(name)


class Proxy:
    """A TCP forwarder on loopback that the test can cut, like a broker outage, and restore."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = threading.Event()
        self.open.set()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open.is_set():
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def cut(self) -> None:
        self.open.clear()
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self.sockets = []

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def proxy(broker_url) -> Iterator[Proxy]:
    params = pika.URLParameters(broker_url)
    proxy = Proxy((params.host, params.port))
    yield proxy
    proxy.close()
