"""CPU time of the web process per request, page by page, and the queries each page sends.

`python -m bench.request_cpu [--before REF] [--requests N] [--rounds R]` on a copy of the
million-customer database ($BENCH_DATABASE_URL, by default `bench_request_cpu`: copied from
`bench_1m` when that exists, else loaded with `seed-demo`; SECRET_KEY must be the one it was
loaded with). A worker process builds the portal as gunicorn's workers do (metrics in a
multiprocess directory, CSRF on), signs in a user of each role and a bearer token, and sends N
requests to each typical page through the Flask test client, each with another customer,
search word or organisation node. Each request is timed in CPU time of the thread serving it
(`time.thread_time`, from the WSGI call to its last byte: session, user, permissions, view,
queries' Python side, audit entry, template, hooks), which other processes on a busy machine
disturb far less than wall time; the time spent waiting for PostgreSQL is not in it.

With `--before REF` a second worker runs the portal as it is at that git ref (`main`, a commit)
on the same database and samples; the two take turns round by round, so drift on the machine
hits both alike, and the table shows both and their ratio. gunicorn's own HTTP parsing and
writing (well under a millisecond) is not in these figures. Target: a typical page <= 10 ms.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_request_cpu"
TARGET_MS = 10
ROLES = ("sales", "support", "marketing", "finance", "compliance_officer", "administrator")
HX = {"HX-Request": "true"}
# Each tab of the profile as a role that sees it; HTMX swaps the tabs' block as a click does.
TAB_ROLES = {
    "overview": "support",
    "addresses": "support",
    "preferences": "support",
    "interactions": "support",
    "segment": "support",
    "insights": "sales",
    "loyalty": "support",
    "consent": "compliance_officer",
    "journey": "support",
    "history": "support",
}
ROUND = "round "  # the prefix of a worker's answer on its stdout


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None  # None: anonymous; "api": the bearer token
    path: Callable[[int], str]
    headers: dict = field(default_factory=dict)


def typical_pages(samples: dict) -> list[Page]:
    """What staff and API clients ask for most (bench/load_mix.py's mix), one row each."""

    def cycle(name: str) -> Callable[[int], str]:
        values = samples[name]
        return lambda i: values[i % len(values)]

    customer, email, word, node = (cycle(n) for n in ("customers", "emails", "words", "nodes"))
    results = {**HX, "HX-Target": "customer-results"}
    return [
        Page("healthz (baseline)", None, lambda i: "/healthz"),
        Page("directory search", "sales", lambda i: f"/customers/?q={word(i)[:5]}", results),
        Page("directory page", "sales", lambda i: f"/customers/?q={word(i)}"),
        Page("profile", "support", lambda i: f"/customers/{customer(i)}"),
        *(
            Page(
                f"profile tab {tab}",
                role,
                lambda i, tab=tab: f"/customers/{customer(i)}?tab={tab}",
                {**HX, "HX-Target": "profile-tabs"},
            )
            for tab, role in TAB_ROLES.items()
        ),
        Page("segment panel", "support", lambda i: f"/segments/customers/{customer(i)}", HX),
        Page(
            "consent panel",
            "compliance_officer",
            lambda i: f"/compliance/customers/{customer(i)}/consent",
            HX,
        ),
        Page("organisations", "sales", lambda i: "/organizations/"),
        Page("organisation node", "sales", lambda i: f"/organizations/nodes/{node(i)}"),
        Page("node children", "sales", lambda i: f"/organizations/nodes/{node(i)}/children", HX),
        Page("approvals queue", "finance", lambda i: "/approvals/"),
        Page("approvals count", "finance", lambda i: "/approvals/count", HX),
        Page("segments", "marketing", lambda i: "/segments/"),
        Page("compliance requests", "compliance_officer", lambda i: "/compliance/"),
        Page("audit log", "compliance_officer", lambda i: "/admin/audit"),
        Page("API by id", "api", lambda i: f"/api/v1/customers/{customer(i)}"),
        Page(
            "API by e-mail",
            "api",
            lambda i: "/api/v1/customers?" + urlencode({"email": email(i).upper()}),
        ),
        *(Page(f"home ({role})", role, lambda i: "/") for role in ROLES),
    ]


# --- the worker: one portal, one round of every page per line read from stdin ----------------


class Meter:
    """WSGI middleware: CPU seconds of the serving thread and SQL statements of the last
    request, from the call until its body is read and closed."""

    def __init__(self, app, engine):
        from sqlalchemy import event

        self.inner = app.wsgi_app
        app.wsgi_app = self
        self.statements = 0
        self.last = (0.0, 0)
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.statements += 1

    def __call__(self, environ, start_response):
        statements = self.statements
        started = time.thread_time()
        body = self.inner(environ, start_response)
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.last = (time.thread_time() - started, self.statements - statements)
        return chunks


def worker(samples_file: str, requests: int) -> None:
    # As gunicorn.conf.py does: metrics in files shared by the workers (set before the import).
    with tempfile.TemporaryDirectory(prefix="bench_request_cpu_") as metrics:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics
        serve(samples_file, requests)


def serve(samples_file: str, requests: int) -> None:
    from sqlalchemy import select

    from bench.customer_search import signed_in_client
    from portal import create_app
    from portal.api import tokens
    from portal.extensions import db
    from portal.security.models import User

    samples = json.loads(Path(samples_file).read_text())
    app = create_app(
        {"SECRET_KEY": os.environ["SECRET_KEY"], "SQLALCHEMY_DATABASE_URI": os.environ["URL"]}
    )
    with app.app_context():
        meter = Meter(app, db.engine)
        clients = {role: signed_in_client(app, role) for role in ROLES}
        admin = db.session.scalar(select(User).where(User.email.like("bench.administrator@%")))
        bearer = tokens.issue(admin, "bench.request_cpu", ["customers:read"])[1]
        db.session.remove()
    clients[None] = clients["api"] = app.test_client()
    pages = typical_pages(samples)

    def measure(page: Page, i: int) -> tuple[float, int]:
        headers = {**page.headers}
        if page.role == "api":
            headers["Authorization"] = f"Bearer {bearer}"
        response = clients[page.role].get(page.path(i), headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{page.name} {page.path(i)}: HTTP {response.status_code}")
        return meter.last

    for page in pages:  # warm-up: templates compiled, statements cached, connections open
        for i in range(3):
            measure(page, i)
    gc.collect()
    print("ready", flush=True)
    for _ in sys.stdin:
        found = {page.name: [measure(page, i) for i in range(requests)] for page in pages}
        print(ROUND + json.dumps(found), flush=True)


# --- the parent: database, samples, workers taking turns, the table -------------------------


def samples_of(url: str) -> dict:
    """Customers, e-mails, name words and organisation nodes to ask for, the same for both."""
    import psycopg

    from bench.load import server_dsn

    with psycopg.connect(server_dsn(url, url.rpartition("/")[2])) as connection:
        rows = connection.execute(
            "SELECT id, email, name FROM customer TABLESAMPLE SYSTEM (1) REPEATABLE (16) LIMIT 500"
        ).fetchall()
        nodes = [r[0] for r in connection.execute("SELECT id FROM org_node ORDER BY id LIMIT 50")]
    return {
        "customers": [r[0] for r in rows],
        "emails": [r[1] for r in rows if r[1]],
        "words": [w for r in rows for w in r[2].split() if len(w) >= 4],
        "nodes": nodes,
    }


def export(ref: str, into: Path) -> str:
    """The tree at `ref` in `into`, with this bench beside its code; returns the commit."""
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    archive = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "archive", commit],  # noqa: S607
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603, S607
    shutil.copy(Path(__file__), into / "bench" / "request_cpu.py")
    return commit


class Worker:
    def __init__(self, tree: Path, env: dict, samples_file: str, requests: int, log: Path):
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bench.request_cpu", "--worker", samples_file],
            cwd=tree,
            env={**env, "PYTHONPATH": str(tree), "REQUESTS": str(requests)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
        )
        self.log = log
        self.measured: dict[str, list[tuple[float, int]]] = {}
        self._answer()

    def _answer(self) -> str:
        while line := self.process.stdout.readline():
            if line.startswith(("ready", ROUND)):
                return line.removeprefix(ROUND)
        raise SystemExit(f"a worker stopped; see {self.log}")

    def round(self) -> None:
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        for name, values in json.loads(self._answer()).items():
            self.measured.setdefault(name, []).extend(values)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def p50(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * 0.9) - 1)] * 1000


def report(workers: dict[str, Worker]) -> None:
    labels = list(workers)
    head = "".join(f"{label:>26}" for label in labels)
    print(f"\n{'CPU ms per request':<24}{head}" + (f"{'ratio p50':>11}" if len(labels) > 1 else ""))
    sub = "".join(f"{'p50':>9}{'p90':>8}{'queries':>9}" for _ in labels)
    print(f"{'':<24}{sub}")
    typical = {label: [] for label in labels}
    for name in workers[labels[-1]].measured:
        line = f"{name:<24}"
        for label in labels:
            values = workers[label].measured[name]
            cpu = [v[0] for v in values]
            queries = statistics.median(v[1] for v in values)
            line += f"{p50(cpu):>9.2f}{p90(cpu):>8.2f}{queries:>9g}"
            if not name.startswith("healthz"):
                typical[label].append(p50(cpu))
        if len(labels) > 1:
            before, after = (p50([v[0] for v in workers[x].measured[name]]) for x in labels)
            line += f"{after / before:>11.2f}"
        print(line)
    for label in labels:
        pages = typical[label]
        within = sum(ms <= TARGET_MS for ms in pages)
        print(
            f"{label}: median page {statistics.median(pages):.2f} ms, worst {max(pages):.2f} ms;"
            f" {within}/{len(pages)} pages within {TARGET_MS} ms at p50"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", help="a git ref to compare with (e.g. main)")
    parser.add_argument("--requests", type=int, default=20, help="per page and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--customers", type=int, default=1_000_000, help="when loading")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        worker(options.worker, int(os.environ["REQUESTS"]))
        return

    from bench.load import ensure_database, flask

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    made = ensure_database(url)
    env = {**os.environ, "DATABASE_URL": url, "URL": url}
    env.setdefault("SECRET_KEY", "bench")
    flask(env, "db", "upgrade")
    if made == "created":
        flask(env, "seed-demo", "--customers", str(options.customers))
    logs = Path(tempfile.gettempdir()) / "bench_request_cpu"  # the workers' logs, kept
    logs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench_request_cpu_") as folder:
        samples_file = Path(folder) / "samples.json"
        samples_file.write_text(json.dumps(samples_of(url)))
        trees = {}
        if options.before:
            before = Path(folder) / "before"
            before.mkdir()
            trees[f"before ({export(options.before, before)})"] = before
        trees["this tree"] = ROOT
        workers = {
            label: Worker(tree, env, str(samples_file), options.requests, logs / f"worker{n}.log")
            for n, (label, tree) in enumerate(trees.items())
        }
        try:
            for turn in range(options.rounds):
                order = list(workers.values())
                for each in order[turn % 2 :] + order[: turn % 2]:
                    each.round()
        finally:
            for each in workers.values():
                each.stop()
    print(
        f"\nRequest CPU: {url.rpartition('/')[2]} ({made}), {options.rounds} rounds of "
        f"{options.requests} requests per page; CPU of the serving thread (machine load "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    report(workers)


if __name__ == "__main__":
    main()
