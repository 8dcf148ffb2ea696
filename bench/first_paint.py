"""First contentful paint of the directory and a profile in Chromium, and what they load.

`python -m bench.first_paint [--loads N] [--customers N]` builds the portal on a fresh SQLite
file ($BENCH_PAINT_DATABASE_URL for another database — never a shared one: a user and a session
are written), serves it on a local port as the browser tests do, and opens each page N times at
1440x900 and 390x844 in /usr/bin/chromium ($PORTAL_CHROMIUM), each time in a new browser context
(an empty cache: the first visit, the slower case). It prints FCP p50/p95 from the browser's
paint timing, and the gzipped size of every script and style sheet the page loaded, against the
targets: FCP under 300 ms, scripts and styles under 150 KB gzipped.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import tempfile
import threading

import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.serving import make_server

from bench.customer_search import signed_in_client
from portal import create_app
from portal.extensions import db

FCP_TARGET_MS, ASSETS_TARGET_KB = 300, 150
SIZES = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}
# [FCP, the first byte of the page]: their difference is the browser's part.
FCP = """() => new Promise(resolve => {
  const found = () => performance.getEntriesByName("first-contentful-paint")[0];
  const done = () => resolve([found().startTime,
    performance.getEntriesByType("navigation")[0].responseStart]);
  if (found()) return done();
  new PerformanceObserver(() => found() && done()).observe({type: "paint", buffered: true});
})"""


def serve(app) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def measure(browser, base: str, cookie, path: str, size: dict, loads: int):
    """FCP and first byte of each load (ms), and the gzipped bytes of the scripts and styles
    of the last."""
    paints, first_bytes, assets = [], [], {}
    for _ in range(loads):
        context = browser.new_context(base_url=base, viewport=size)
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
        page = context.new_page()
        assets.clear()

        def keep(response):
            if response.request.resource_type in ("script", "stylesheet"):
                assets[response.url] = len(gzip.compress(response.body(), 9))

        page.on("response", keep)
        response = page.goto(path, wait_until="load")
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        paint, first_byte = page.evaluate(FCP)
        paints.append(paint)
        first_bytes.append(first_byte)
        context.close()
    return sorted(paints), sorted(first_bytes), sum(assets.values())


def summary(paints: list[float]) -> tuple[float, float]:
    return statistics.median(paints), paints[max(int(len(paints) * 0.95) - 1, 0)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--customers", type=int, default=200)
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from portal.customers.models import Customer
    from portal.demo import seed_demo_customers, seed_demo_users
    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_PAINT_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            seed_demo_users()
            if not db.session.scalar(sa.select(sa.func.count()).select_from(Customer)):
                seed_demo_customers(args.customers, seed=7)
            client = signed_in_client(app)
            cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
            customer = db.session.scalar(sa.select(Customer.id).order_by(Customer.id).limit(1))
        pages = {"directory": "/customers/", "profile": f"/customers/{customer}"}
        base, server = serve(app)
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            print(f"first contentful paint, {args.loads} cold loads each ({url.split(':')[0]}),")
            print(f"targets: FCP < {FCP_TARGET_MS} ms, scripts + styles < {ASSETS_TARGET_KB} KB gz")
            for name, path in pages.items():
                for width, size in SIZES.items():
                    paints, first_bytes, assets = measure(
                        browser, base, cookie, path, size, args.loads
                    )
                    p50, p95 = summary(paints)
                    verdict = (
                        "ok" if p95 < FCP_TARGET_MS and assets < ASSETS_TARGET_KB * 1024 else "OVER"
                    )
                    print(
                        f"  {name:9} {width:>4} px  FCP p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                        f"  (first byte p50 {statistics.median(first_bytes):6.1f} ms)"
                        f"  assets {assets / 1024:6.1f} KB gz  {verdict}"
                    )
        finally:
            browser.close()
            playwright.stop()
            server.shutdown()


if __name__ == "__main__":
    main()
