"""The relay with in-process handlers and a stand-in broker: order per aggregate, retries with
backoff, batches chained while the broker confirms."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text, update

from portal.events import relay as relay_module
from portal.events import webhooks
from portal.events.broker import BrokerUnavailable, RabbitPublisher
from portal.events.models import OutboxEvent, WebhookDelivery
from portal.events.outbox import SYSTEM, emit
from portal.events.relay import Relay, backoff, run_forever
from portal.extensions import db
from portal.models import utcnow
from tests.factories import events
from tests.unit.events.test_broker import ScriptedBroker


class Seen(list):
    """What an in-process handler received; it refuses the events numbered in `failing`."""

    def __init__(self):
        super().__init__()
        self.failing: set[int] = set()

    def __call__(self, batch) -> None:
        for event in batch:
            if event.payload["n"] in self.failing:
                raise RuntimeError(f"cannot take {event.payload['n']}")
            self.append((event.aggregate_id, event.payload["n"]))


@pytest.fixture
def seen(monkeypatch) -> Seen:
    handler = Seen()
    monkeypatch.setattr(relay_module, "HANDLERS", [handler])
    return handler


def _write(*pairs: tuple[str, int]) -> None:
    for aggregate, n in pairs:
        emit("CustomerUpdated", aggregate, {"n": n}, actor=SYSTEM)
    db.session.commit()


def test_rows_are_numbered_in_write_order_even_by_set_based_inserts():
    _write(("a", 1), ("b", 2), ("a", 3))
    assert [e.seq for e in events()] == sorted(e.seq for e in events())
    assert all(e.seq for e in events())


def test_handlers_get_every_event_in_order_and_rows_are_marked_sent(seen):
    _write(("a", 1), ("b", 2), ("a", 3), ("b", 4))
    assert Relay().run_once() == 4
    assert seen == [("a", 1), ("b", 2), ("a", 3), ("b", 4)]
    assert all(e.status == "sent" for e in events())
    assert Relay().run_once() == 0


def test_a_failing_event_holds_back_its_aggregate_only_then_retries_after_backoff(seen):
    seen.failing.add(1)
    _write(("a", 1), ("b", 2), ("a", 3))
    assert Relay().run_once() == 1
    assert seen == [("b", 2)]
    failed = {e.payload["n"]: e for e in events()}
    assert (failed[1].status, failed[3].status) == ("failed", "failed")
    assert "cannot take 1" in failed[1].last_error
    assert "held back" in failed[3].last_error
    assert failed[1].next_attempt_at > utcnow()

    assert Relay().run_once() == 0  # still backing off
    seen.failing.clear()
    db.session.execute(update(OutboxEvent).values(next_attempt_at=utcnow() - timedelta(1)))
    db.session.commit()
    assert Relay().run_once() == 2
    assert seen == [("b", 2), ("a", 1), ("a", 3)]


def test_an_earlier_row_held_elsewhere_keeps_later_rows_of_its_aggregate_back(seen):
    _write(("a", 1), ("a", 2), ("b", 3))
    first = db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).first()
    first.next_attempt_at = utcnow() + timedelta(minutes=5)  # like a row another relay holds
    db.session.commit()
    assert Relay().run_once() == 1
    assert seen == [("b", 3)]


def test_a_row_another_relay_has_locked_holds_back_the_later_rows_of_its_aggregate(seen):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks (FOR UPDATE SKIP LOCKED) exist on PostgreSQL only")
    _write(("a", 1), ("a", 2), ("b", 3))
    first = db.session.scalars(select(OutboxEvent.id).order_by(OutboxEvent.seq)).first()
    with db.engine.connect() as other_relay:
        other_relay.execute(select(OutboxEvent.id).where(OutboxEvent.id == first).with_for_update())
        assert Relay().run_once() == 1
        assert seen == [("b", 3)]
        other_relay.rollback()
    assert Relay().run_once() == 2
    assert seen == [("b", 3), ("a", 1), ("a", 2)]


class Broker:
    """A publisher that confirms every message but those whose payload `n` is in `refused`,
    running the relay's `meanwhile` work as the real one does, while it "confirms"."""

    def __init__(self, *refused: int, lost_after: int | None = None, on_publish=lambda: None):
        self.refused = set(refused)
        self.lost_after = lost_after  # batches published before the connection is lost
        self.on_publish = on_publish
        self.batches: list[list[int]] = []

    def publish(self, messages, meanwhile):
        if len(self.batches) == self.lost_after:
            raise BrokerUnavailable("connection refused")
        self.batches.append([json.loads(m.body)["payload"]["n"] for m in messages])
        self.on_publish()
        meanwhile()
        return [json.loads(m.body)["payload"]["n"] not in self.refused for m in messages]

    def close(self) -> None:
        pass


def test_what_the_broker_did_not_confirm_stays_pending_and_holds_back_its_aggregate(
    staff, monkeypatch
):
    monkeypatch.setattr(relay_module, "HANDLERS", [webhooks.queue_deliveries])
    webhooks.subscribe(staff, "http://127.0.0.1:9/hook", ["CustomerUpdated"])
    _write(("a", 1), ("b", 2), ("a", 3))
    assert Relay(Broker(1)).run_once() == 1
    rows = {e.payload["n"]: e for e in events()}
    assert [rows[n].status for n in (1, 2, 3)] == ["failed", "sent", "failed"]
    assert rows[1].last_error == "broker: not confirmed"
    # The handlers' work done while the broker confirmed is kept for the confirmed row only.
    queued = db.session.scalars(select(WebhookDelivery.event_id)).all()
    assert queued == [rows[2].id]

    db.session.execute(update(OutboxEvent).values(next_attempt_at=utcnow() - timedelta(1)))
    db.session.commit()
    assert Relay(Broker()).run_once() == 2
    assert all(e.status == "sent" for e in events())


def _statuses() -> dict[int, str]:
    return {e.payload["n"]: e.status for e in events()}


def test_batches_chain_in_one_run_while_the_broker_confirms_each_in_full(seen):
    _write(*[("ab"[n % 2], n) for n in range(7)])
    broker = Broker()
    assert Relay(broker, batch_size=2, chain=3).run_once() == 6
    assert broker.batches == [[0, 1], [2, 3], [4, 5]]
    assert Relay(broker, batch_size=2, chain=3).run_once() == 1
    assert seen == [("ab"[n % 2], n) for n in range(7)]
    assert set(_statuses().values()) == {"sent"}


def test_a_refused_message_ends_the_chain_and_the_batches_before_stay_sent(seen):
    _write(*[("a", n) for n in range(6)])
    broker = Broker(3)
    assert Relay(broker, batch_size=2, chain=3).run_once() == 3
    assert broker.batches == [[0, 1], [2, 3]]  # the batch claimed ahead was let go
    assert _statuses() == {0: "sent", 1: "sent", 2: "sent", 3: "failed", 4: "pending", 5: "pending"}


def test_a_broker_lost_mid_chain_keeps_what_it_confirmed_sent_and_touches_no_other_row(seen):
    _write(*[("a", n) for n in range(6)])
    with pytest.raises(BrokerUnavailable):
        Relay(Broker(lost_after=1), batch_size=2, chain=3).run_once()
    db.session.rollback()  # as the worker loop does
    assert _statuses() == {
        0: "sent",
        1: "sent",
        2: "pending",
        3: "pending",
        4: "pending",
        5: "pending",
    }
    assert {e.attempts for e in events()} == {0}


def test_a_row_committed_mid_chain_behind_the_chain_goes_out_with_the_next_run(seen):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a second writer committing mid-chain needs PostgreSQL")
    with db.engine.connect() as writer:  # takes its seq now, commits while the chain runs
        writer.execute(
            insert(OutboxEvent.__table__).values(
                id=str(uuid.uuid4()),
                type="CustomerUpdated",
                version=1,
                occurred_at=utcnow(),
                aggregate_type="customer",
                aggregate_id="x",
                actor=SYSTEM,
                payload={"n": 0},
                attempts=0,
            )
        )
        _write(("a", 1), ("b", 2))
        broker = Broker(on_publish=writer.commit)
        assert Relay(broker, batch_size=1, chain=3).run_once() == 2
    assert broker.batches == [[1], [2]]  # the chain goes on past the row it left behind
    assert Relay(broker).run_once() == 1
    assert set(_statuses().values()) == {"sent"}


def test_the_planner_settings_of_the_claim_end_with_the_claim(seen):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    _write(("a", 1))
    planned: list[str] = []

    def handler(batch) -> None:  # runs after the claim, in its transaction
        planned.append(db.session.scalar(text("SHOW enable_seqscan")))

    relay_module.HANDLERS.append(handler)
    assert Relay().run_once() == 1
    assert planned == ["on"]


def test_backoff_doubles_up_to_a_cap():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [1, 2, 4]
    assert backoff(50).total_seconds() == relay_module.BACKOFF_CAP


def test_relay_command_drains_the_outbox_once(runner):
    _write(("a", 1))
    result = runner.invoke(args=["events", "relay", "--once"])
    assert result.exit_code == 0, result.output
    assert "relayed 1 events" in result.output


def _run_for(relay: Relay, seconds: float, until=lambda: False) -> None:
    deadline = time.monotonic() + seconds
    run_forever(relay, interval=0.05, should_stop=lambda: until() or time.monotonic() > deadline)


def test_the_worker_loop_sends_heartbeats_while_the_outbox_is_empty(seen):
    fake = ScriptedBroker(heartbeat=1)
    try:
        _write(("a", 1))
        _run_for(Relay(RabbitPublisher(fake.url)), 1.6)
        assert fake.heartbeats >= 2
        assert len(fake.connections) == 1
        assert _statuses() == {1: "sent"}
    finally:
        fake.close()


def test_while_the_broker_blocks_publishing_rows_wait_untouched_then_go_out(seen):
    fake = ScriptedBroker()
    relay = Relay(RabbitPublisher(fake.url + "?blocked_connection_timeout=0.1"))
    try:
        _write(("a", 1))
        assert relay.run_once() == 1
        fake.block("low on memory")
        time.sleep(0.05)  # for the frame to reach the relay's socket
        _write(("a", 2), ("b", 3))
        unblock = threading.Timer(0.6, fake.unblock)
        unblock.start()
        _run_for(relay, 5, until=lambda: len(fake.received) == 3)
        unblock.join()
        assert _statuses() == {1: "sent", 2: "sent", 3: "sent"}
        assert min(fake.received_at[1:]) > fake.unblocked_at  # nothing went out while blocked
        assert {e.attempts for e in events()} == {0}  # waited, never counted as failed
        assert len(fake.connections) == 1  # the unblock came on the connection that waited
    finally:
        fake.close()
