"""Waiting for what htmx and the deferred scripts do, so a step never races them."""

from __future__ import annotations

from playwright.sync_api import Page, expect

# htmx marks an element from sending its request until the swapped content settled.
_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling"


def settled(page: Page) -> None:
    """Wait until the page's deferred scripts ran and no htmx request or swap is under way.

    A click on a link returns once the next page commits, before its deferred scripts (htmx,
    portal.js) listen; a response seen by `expect_response` is swapped in a moment later.
    """
    page.wait_for_load_state()
    expect(page.locator(_BUSY)).to_have_count(0)  # a locator: the page's CSP forbids eval
