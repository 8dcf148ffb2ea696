"""The portal under load: staff signed in through the form doing a realistic mix, through
gunicorn with gunicorn.conf.py, at 50 and at 150 users.

`python -m bench.load [--users 50,150] [--seconds 60]` on PostgreSQL ($BENCH_DATABASE_URL, by
default `bench_load`: created as a copy of `bench_1m` when that database exists, else loaded
with `seed-demo --customers N`; SECRET_KEY must be the one it was loaded with, as it derives the
field encryption key). First one user without thinking (the single-user baseline),
then each load with 1-3 s of thinking between actions (bench/load_mix.py: search-as-you-type
by name, e-mail and phone, profiles and their tabs, organisations, approvals, segments,
compliance, the audit log, API reads by id and by e-mail). Prints per endpoint p50/p95/p99,
failures and the p95 over the single-user p95; per load requests/s and CPU per request in the
gunicorn processes and the database's backends (from /proc), and the goals of issue 16.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"
TEMPLATE = "bench_1m"
PORT = 5077
# The domain's alarm for a customer lookup, and issue 16's goals.
LOOKUPS = {
    "search by name",
    "search by e-mail",
    "search by phone",
    "profile",
    "profile tab",
    "profile segment",
    "profile consent",
    "API customer by id",
    "API by e-mail",
}
LOOKUP_P95_MS = {50: 200, 150: 1000}
OTHER_P95_MS = 500
CAPACITY_RPS = 100
TICKS = os.sysconf("SC_CLK_TCK")


def server_dsn(url: str, database: str) -> str:
    return make_url(url).set(drivername="postgresql", database=database).render_as_string(False)


def ensure_database(url: str) -> str:
    """How the database came to be: reused, copied from bench_1m, or created empty."""
    name = make_url(url).database
    with psycopg.connect(server_dsn(url, "postgres"), autocommit=True) as connection:
        found = {
            row[0]
            for row in connection.execute(
                "SELECT datname FROM pg_database WHERE datname = ANY(%s)", ([name, TEMPLATE],)
            )
        }
        if name in found:
            return "reused"
        if TEMPLATE in found:
            for _ in range(30):  # the copy needs bench_1m without other connections
                try:
                    connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
                    return f"copied from {TEMPLATE}"
                except psycopg.errors.ObjectInUse:
                    time.sleep(2)
            raise SystemExit(f"{TEMPLATE} stayed in use; set BENCH_DATABASE_URL to a database")
        connection.execute(f'CREATE DATABASE "{name}"')
        return "created"


def flask(env: dict, *args: str) -> None:
    subprocess.run([BIN / "flask", "--app", "wsgi", *args], env=env, cwd=ROOT, check=True)  # noqa: S603


def samples(url: str, env: dict) -> dict:
    """What the users look up: customers, e-mails, name words, phones, organisation nodes,
    the demo accounts and an API token for the API client."""
    with psycopg.connect(server_dsn(url, make_url(url).database)) as connection:
        rows = connection.execute(
            "SELECT id, email, phone, name FROM customer TABLESAMPLE SYSTEM (1) LIMIT 2000"
        ).fetchall()
        nodes = [r[0] for r in connection.execute("SELECT id FROM org_node LIMIT 50")]
    token = (
        subprocess.run(  # noqa: S603
            [BIN / "python", "-c", API_CLIENT_SETUP],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split()[-1]
    )
    from portal.demo import demo_accounts

    accounts = {a.email.split("@")[0].split(".")[0]: (a.email, a.password) for a in demo_accounts()}
    return {
        "customers": [r[0] for r in rows],
        "emails": [r[1] for r in rows if r[1]],
        "phones": [r[2].lstrip("+") for r in rows if r[2]],
        "words": [w for r in rows for w in r[3].split() if len(w) >= 4],
        "nodes": nodes,
        "accounts": accounts,
        "token": token,
    }


API_CLIENT_SETUP = """
from sqlalchemy import select
from portal import create_app
from portal.api import tokens
from portal.extensions import db
from portal.security.models import User
with create_app().app_context():
    admin = db.session.scalar(select(User).where(User.email.like("administrator@%")))
    print(tokens.issue(admin, "bench.load", ["customers:read"])[1])
"""


def start_server(env: dict, extra: list[str]) -> subprocess.Popen:
    log = open(Path(tempfile.gettempdir()) / "bench_load_gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [BIN / "gunicorn", "-c", "gunicorn.conf.py", *extra, "wsgi:app"],
        env={**env, "BIND": f"127.0.0.1:{PORT}"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {log.name}")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return found


def server_pids(server: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [server.pid, *map(int, children)]


def backend_pids(url: str) -> list[int]:
    name = make_url(url).database
    with psycopg.connect(server_dsn(url, "postgres"), autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchall()
    return [r[0] for r in rows]


@dataclass
class Phase:
    users: int
    rows: dict[str, dict]
    seconds: float
    web_cpu: float
    db_cpu: float
    tool_cpu: float  # locust's own, on the same cores

    @property
    def total(self) -> dict:
        return self.rows["Aggregated"]


def run_phase(url: str, server, users: int, seconds: int, env: dict, think: bool) -> Phase:
    prefix = Path(tempfile.mkdtemp(prefix="bench_load_")) / "run"
    backends_before = cpu_seconds(backend_pids(url))
    web_before = cpu_seconds(server_pids(server))
    tool_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603
        [
            *(BIN / "locust", "-f", "bench/load_mix.py", "--headless", "--only-summary"),
            *("-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s"),
            *("--host", f"http://127.0.0.1:{PORT}", "--csv", str(prefix), "--loglevel", "ERROR"),
        ],
        env={**env, "BENCH_LOAD_THINK": "1" if think else "0"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    tool_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    web_after = cpu_seconds(server_pids(server))
    backends_after = cpu_seconds(backend_pids(url))
    with open(f"{prefix}_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    return Phase(
        users,
        rows,
        elapsed,
        sum(web_after[p] - web_before.get(p, 0) for p in web_after),
        sum(backends_after[p] - backends_before.get(p, 0) for p in backends_after),
        sum(getattr(tool_after, f) - getattr(tool_before, f) for f in ("ru_utime", "ru_stime")),
    )


def report(phase: Phase, single: Phase | None) -> list[str]:
    """Print the phase; the goals it missed."""
    missed = []
    label = f"{phase.users} users" + (" (single-user baseline, no thinking)" if not single else "")
    print(f"\n{label}")
    print(f"{'endpoint':<22}{'count':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}{'/single':>8}")
    for name, row in sorted(phase.rows.items(), key=lambda item: item[0] == "Aggregated"):
        p95 = float(row["95%"])
        ratio = ""
        if single and name in single.rows and float(single.rows[name]["95%"]):
            ratio = f"{p95 / float(single.rows[name]['95%']):.1f}"
        print(
            f"{name:<22}{row['Request Count']:>7}{row['Failure Count']:>6}{row['50%']:>7}"
            f"{row['95%']:>7}{row['99%']:>7}{ratio:>8}"
        )
        if single and name != "Aggregated":
            limit = LOOKUP_P95_MS.get(phase.users, 1000) if name in LOOKUPS else OTHER_P95_MS
            if (name in LOOKUPS or phase.users <= 50) and p95 >= limit:
                missed.append(f"{phase.users} users: {name} p95 {p95:.0f} ms ≥ {limit}")
    total = phase.total
    count = int(total["Request Count"])
    rps = count / phase.seconds
    print(
        f"{rps:.1f} requests/s; CPU per request: {phase.web_cpu / count * 1000:.1f} ms gunicorn,"
        f" {phase.db_cpu / count * 1000:.1f} ms PostgreSQL, {phase.tool_cpu / count * 1000:.1f} ms"
        " locust (the load tool shares the cores)"
    )
    if single:
        if int(total["Failure Count"]):
            missed.append(f"{phase.users} users: {total['Failure Count']} failed requests")
        if phase.users >= 150 and rps < CAPACITY_RPS:
            missed.append(f"{phase.users} users: {rps:.0f} requests/s < {CAPACITY_RPS}")
    return missed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="50,150", help="the loads, comma-separated")
    parser.add_argument("--seconds", type=int, default=60, help="each load lasts this long")
    parser.add_argument("--single-seconds", type=int, default=30)
    parser.add_argument("--customers", type=int, default=1_000_000, help="when loading")
    parser.add_argument(
        "--gunicorn", default="", help='settings over gunicorn.conf.py, e.g. "--threads 4"'
    )
    options = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    made = ensure_database(url)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": os.environ.get("SECRET_KEY", "bench")}
    flask(env, "db", "upgrade")
    if made == "created":
        flask(env, "seed-demo", "--customers", str(options.customers))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(samples(url, env), file)
    env["BENCH_LOAD_SAMPLES"] = file.name
    server = start_server(env, options.gunicorn.split())
    missed = []
    try:
        print(f"\nLoad: {url.rpartition('/')[2]} ({made}), gunicorn.conf.py {options.gunicorn}")
        single = run_phase(url, server, 1, options.single_seconds, env, think=False)
        report(single, None)
        for users in map(int, options.users.split(",")):
            missed += report(run_phase(url, server, users, options.seconds, env, True), single)
    finally:
        server.terminate()
        server.wait()
        os.unlink(file.name)
    print("\nGoals (issue 16): " + ("all met" if not missed else "MISSED"))
    for line in missed:
        print(f"  {line}")


if __name__ == "__main__":
    main()
