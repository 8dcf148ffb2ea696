"""Gunicorn settings shared by `make run` and production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Chosen by measurement with `python -m bench.load` on two cores (figures in README, Benchmarks).
A page spends a good part of its time waiting for PostgreSQL, so each worker process runs
threads: while one waits, another computes; one process per core takes both cores past the GIL.
Environment variables override the sizes for another machine (WEB_WORKERS, WEB_THREADS, BIND).
(Operations will add the Prometheus multiprocess hooks here.)
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("WEB_THREADS", 8))
# Longer than a browser keeps an idle connection open between clicks (Chrome: 60 s behind most
# proxies), so a click never lands on a connection the server has just closed (gunicorn's 2 s
# default reset 0.3 % of requests under load).
keepalive = 75
timeout = 30
graceful_timeout = 30
# One database connection per thread, so no thread waits for another's connection.
raw_env = [f"DB_POOL_SIZE={threads}"]
accesslog = os.environ.get("ACCESS_LOG", "-")
