"""`flask --app wsgi events relay`, `events webhooks` and `events consume`: the long-running
event workers."""

from __future__ import annotations

import signal

import click

from portal.events.views import bp
from portal.metrics import serve_worker_metrics

_stop = {"requested": False}


def _start_worker() -> None:
    """A long-running worker stops cleanly on SIGTERM and exposes its metrics."""

    def request_stop(_signum, _frame):
        _stop["requested"] = True

    signal.signal(signal.SIGTERM, request_stop)
    serve_worker_metrics()


@bp.cli.command("relay")
@click.option("--broker-url", envvar="BROKER_URL", default="", help="amqp://… (env BROKER_URL)")
@click.option(
    "--batch",
    default=1000,
    show_default=True,
    help="Outbox rows per batch; with a broker, up to ten batches per transaction.",
)
@click.option("--interval", default=0.5, show_default=True, help="Seconds to sleep when idle.")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
def relay_command(broker_url: str, batch: int, interval: float, once: bool) -> None:
    """Deliver outbox events to the in-process handlers (which queue webhook deliveries) and,
    with a broker URL, to RabbitMQ. Stops cleanly on SIGTERM."""
    from portal.events.broker import RabbitPublisher
    from portal.events.relay import Relay, run_forever

    relay = Relay(RabbitPublisher(broker_url) if broker_url else None, batch_size=batch)
    if once:
        total = 0
        while sent := relay.run_once():
            total += sent
        click.echo(f"relayed {total} events")
        return
    _start_worker()
    click.echo(f"relaying to {'RabbitMQ and ' if broker_url else ''}in-process handlers")
    run_forever(relay, interval=interval, should_stop=lambda: _stop["requested"])


@bp.cli.command("webhooks")
@click.option(
    "--concurrency",
    default=8,
    show_default=True,
    help="Deliveries in flight at once (threads): a hanging receiver holds one.",
)
@click.option("--interval", default=0.5, show_default=True, help="Seconds to sleep when idle.")
@click.option("--once", is_flag=True, help="Send what is due, then exit.")
def webhooks_command(concurrency: int, interval: float, once: bool) -> None:
    """Send due webhook deliveries, apart from the relay and the broker. Stops cleanly on
    SIGTERM, after the answers in flight."""
    from portal.events.webhooks import run

    if once:
        click.echo(f"tried {run(concurrency, interval=interval, until_idle=True)} deliveries")
        return
    _start_worker()
    click.echo(f"sending webhooks, {concurrency} at a time")
    run(concurrency, interval=interval, should_stop=lambda: _stop["requested"])


@bp.cli.command("consume")
@click.option("--broker-url", envvar="BROKER_URL", required=True, help="amqp://… (env BROKER_URL)")
@click.option("--queue", default="customer.inbox", show_default=True)
@click.option("--bind", default=None, help="Bind the queue to this topic exchange's event types.")
@click.option("--batch", default=500, show_default=True, help="Messages per transaction.")
def consume_command(broker_url: str, queue: str, bind: str | None, batch: int) -> None:
    """Take in the consumed events from a RabbitMQ queue. Stops cleanly on SIGTERM."""
    from portal.events.consumer import consume_queue

    _start_worker()
    click.echo(f"consuming {queue}")
    consume_queue(broker_url, queue, bind=bind, batch=batch, should_stop=lambda: _stop["requested"])
