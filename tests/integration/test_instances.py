"""Two portal instances (gunicorn processes on two ports) on one database: a session opened on
one works on the other, a form rendered by one is accepted by the other, and two relay
processes on one outbox publish every row once, in order per aggregate."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from portal.events.models import OutboxEvent
from portal.events.outbox import SYSTEM, emit
from portal.extensions import db
from portal.security.passwords import hash_password
from tests.conftest import DEFAULT_PASSWORD
from tests.integration.test_rabbitmq import _bind, _read_all

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(app, **extra) -> dict:
    return {
        **os.environ,
        "PORTAL_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "one-secret-for-every-instance-0123456789",
        "FIELD_ENCRYPTION_KEYS": app.config["FIELD_ENCRYPTION_KEYS"],
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def _spawn(command: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as log:  # the child keeps its own handle
        return subprocess.Popen(  # noqa: S603 - our own server and workers, fixed arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )


@pytest.fixture
def two_instances(app, tmp_path):
    ports = [_free_port(), _free_port()]
    processes = [
        _spawn(
            [str(BIN / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "1", "wsgi:app"],
            # each instance its own metrics directory, as two on one host would have
            _environment(app, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / f"metrics-{port}")),
            tmp_path / f"instance-{port}.log",
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    deadline = time.monotonic() + 120
    for url, process in zip(urls, processes, strict=True):
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, _tail(tmp_path)
            assert time.monotonic() < deadline, "instance did not start"
            time.sleep(0.3)
    yield urls
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def _tail(folder: Path) -> str:
    return "\n".join(path.read_text()[-1500:] for path in sorted(folder.glob("*.log")))


def _csrf(page: str) -> str:
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
    return re.search(r'value="([^"]+)"', field).group(1)


def test_a_session_and_a_form_cross_instances(two_instances, make_user):
    user = make_user("sales")
    user.password_hash = hash_password(DEFAULT_PASSWORD)
    db.session.commit()
    first, second = two_instances
    browser = requests.Session()

    form = browser.get(f"{first}/auth/sign-in", timeout=10).text  # rendered by the first
    signed_in = browser.post(  # posted to the second
        f"{second}/auth/sign-in",
        data={"csrf_token": _csrf(form), "email": user.email, "password": DEFAULT_PASSWORD},
        timeout=10,
        allow_redirects=False,
    )
    assert signed_in.status_code in (302, 303), signed_in.text[:500]
    for url in (first, second):
        page = browser.get(f"{url}/customers/", timeout=10, allow_redirects=False)
        assert page.status_code == 200, (url, page.status_code)

    sign_out_form = browser.get(f"{second}/", timeout=10).text
    out = browser.post(
        f"{first}/auth/sign-out",
        data={"csrf_token": _csrf(sign_out_form)},
        timeout=10,
        allow_redirects=False,
    )
    assert out.status_code in (302, 303)
    gone = browser.get(f"{second}/customers/", timeout=10, allow_redirects=False)
    assert gone.status_code == 302  # the session ended for both instances


@pytest.mark.xdist_group("rabbitmq")
def test_two_relays_publish_each_event_once_and_in_order(
    app, broker_url, channel, queue_name, tmp_path
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several relays rely on PostgreSQL's FOR UPDATE SKIP LOCKED")
    _bind(channel, queue_name)
    aggregates = [f"cust-{n}" for n in range(7)]
    for n in range(3000):
        emit("CustomerUpdated", aggregates[n % len(aggregates)], {"n": n}, actor=SYSTEM)
    db.session.commit()
    expected = {
        row.id: (row.aggregate_id, row.seq)
        for row in db.session.execute(
            select(OutboxEvent.id, OutboxEvent.aggregate_id, OutboxEvent.seq)
        )
    }
    relays = [
        _spawn(
            [str(BIN / "flask"), "--app", "wsgi", "events", "relay", "--batch", "100"],
            _environment(app, BROKER_URL=broker_url),
            tmp_path / f"relay-{n}.log",
        )
        for n in range(2)
    ]
    try:
        deadline = time.monotonic() + 120
        while db.session.scalar(select(func.count()).where(OutboxEvent.published_at.is_(None))):
            db.session.rollback()
            assert all(r.poll() is None for r in relays), _tail(tmp_path)
            assert time.monotonic() < deadline, "the relays did not drain the outbox"
            time.sleep(0.5)
    finally:
        for relay in relays:
            relay.send_signal(signal.SIGTERM)
            relay.wait(timeout=60)

    received = _read_all(channel, queue_name, set(expected), timeout=60)
    ids = [m["eventId"] for m in received]
    assert len(ids) == len(set(ids)) == len(expected)  # each once
    by_aggregate = defaultdict(list)
    for message in received:
        by_aggregate[message["aggregateId"]].append(expected[message["eventId"]][1])
    for aggregate, seqs in by_aggregate.items():
        assert seqs == sorted(seqs), aggregate  # in write order per aggregate
