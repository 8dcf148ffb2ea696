"""Browser tests: the portal served on a real port, driven by Debian's Chromium via Playwright.

The live server runs in a thread of this process on the same database as the tests, so users
made with `make_user` (committed) are visible to it. Single sign-on goes to a real OpenID
provider (tests.oidc.SpecProvider, which behaves as the specification's defaults do) started
once for the session. Under xdist each worker has its own of all three (and its own database),
each on a free port.

Chromium is never downloaded: we use /usr/bin/chromium or $PORTAL_CHROMIUM. Without a browser
the e2e tests are skipped on a developer's machine but fail under CI.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.oidc import SpecProvider, sso_settings

E2E_DIR = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # no network here: keep Chromium from calling Google in the background
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e is an e2e test: `-m "not e2e"` leaves them all out."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def chromium_path() -> str | None:
    """$PORTAL_CHROMIUM if set (and nothing else then), else Debian's /usr/bin/chromium."""
    configured = os.environ.get("PORTAL_CHROMIUM")
    for candidate in [configured] if configured else ["/usr/bin/chromium", "chromium"]:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[SpecProvider]:
    provider = SpecProvider()
    with provider.running():
        yield provider


def _static_read_whole(wsgi_app):
    """Static files answered from memory, their file closed at once. The development server
    leaves a file open when the browser drops the request mid-body (it left a page before its
    scripts loaded), and the ResourceWarning that follows fails whichever test runs next."""

    def serve(environ, start_response):
        body = wsgi_app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return body
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close:
                close()

    return serve


@pytest.fixture(scope="session")
def live_server(app, make_app, oidc_provider) -> Iterator[str]:
    """Base URL of the portal (CSRF on, SSO configured) served in a daemon thread.

    Depends on `app` so the schema is migrated before the first request.
    """
    live_app = make_app(WTF_CSRF_ENABLED=True, **sso_settings(oidc_provider.issuer))
    live_app.wsgi_app = _static_read_whole(live_app.wsgi_app)
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with live_app.app_context():
            db.engine.dispose()  # its own engine and pool, not the test app's


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        reason = (
            "no Chromium binary: install Debian's chromium (apt-get install chromium) "
            "or set PORTAL_CHROMIUM; Playwright's own download is not used"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the e2e tests cannot run: {reason}")
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


STATIC_RESOURCES = {"stylesheet", "script", "image", "font"}
OFF_MACHINE = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])")


@pytest.fixture
def js_errors() -> list[str]:
    """On portal pages: uncaught exceptions, console errors (CSP violations among them) and
    scripts, styles or images that failed to load. Error statuses of pages and HTMX requests
    are expected in some tests and are asserted there instead."""
    return []


@pytest.fixture
def page(browser, live_server, js_errors):
    """A fresh browser context (no cookies) per test, with base_url set to the live server."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    # Only the portal and the provider on this machine; the provider's page links a CSS CDN.
    context.route(OFF_MACHINE, lambda route: route.abort())
    page = context.new_page()

    def on_console(message):
        if (
            message.type == "error"
            and page.url.startswith(live_server)
            and not message.text.startswith("Failed to load resource")
        ):
            js_errors.append(f"{page.url}: {message.text}")

    def on_response(response):
        if (
            response.url.startswith(live_server)
            and response.request.resource_type in STATIC_RESOURCES
            and response.status >= 400
        ):
            js_errors.append(f"{response.url}: {response.status}")

    def on_request_failed(request):
        # ERR_ABORTED: the page navigated away while the file was loading, which is no fault.
        if (
            request.url.startswith(live_server)
            and request.resource_type in STATIC_RESOURCES
            and "ERR_ABORTED" not in (request.failure or "")
        ):
            js_errors.append(f"{request.url}: {request.failure}")

    page.on("pageerror", lambda exc: js_errors.append(f"{page.url}: {exc}"))
    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    yield page
    context.close()


@pytest.fixture
def compliance_exports(app, tmp_path):
    """DSAR exports written under the test's own folder, not the instance folder."""
    app.config["COMPLIANCE_EXPORT_DIR"] = str(tmp_path / "exports")
    yield
    app.config.pop("COMPLIANCE_EXPORT_DIR")
