"""Gunicorn settings shared by `make run` and production: `gunicorn -c gunicorn.conf.py wsgi:app`.

A page spends a good part of its time waiting for PostgreSQL, so each worker process runs
threads (gthread): while one waits, another computes; one process per core takes both cores
past the GIL. sync workers keep no connection alive; gevent would need a green database driver.
Four threads a worker, measured: at 150 users on the 1M database (`python -m bench.load --users
150 --gunicorn "--threads N"`, this 2-core machine) 2 workers served 83 requests/s with 2
threads, 99 with 3, 104 with 4 and 90 with 8 (more threads spend more CPU per request switching
the GIL: 11.6 ms at 4, 13.7 ms at 8); 3 workers of 4 threads, 89. Environment variables
override them (WEB_WORKERS, WEB_THREADS, BIND).
"""

import contextlib
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("WEB_THREADS", 4))
# Longer than a browser keeps an idle connection open between clicks (Chrome: 60 s behind most
# proxies), so a click never lands on a connection the server has just closed (gunicorn's 2 s
# default reset 0.3 % of requests under load).
keepalive = 75
timeout = 30
graceful_timeout = 30
# One database connection per thread, so no thread waits for another's connection.
raw_env = [f"DB_POOL_SIZE={threads}"]
accesslog = os.environ.get("ACCESS_LOG", "-")

# Prometheus: every worker keeps its figures in files here and /metrics adds them up. Set before
# any worker imports the app (and prometheus_client); the hooks below import neither.
metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(os.path.dirname(__file__), "instance", "metrics")
)


def on_starting(server):
    """A clean directory, so figures of an earlier run do not linger."""
    os.makedirs(metrics_dir, exist_ok=True)
    for name in os.listdir(metrics_dir):
        if name.endswith(".db"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(metrics_dir, name))


def child_exit(server, worker):
    """A dead worker's live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
