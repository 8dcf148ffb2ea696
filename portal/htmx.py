"""One URL serves the full page or, for an HTMX request, only the block that changed."""

from __future__ import annotations

from flask import (
    Response,
    g,
    make_response,
    message_flashed,
    render_template,
    request,
    session,
    url_for,
)
from htmx_flask import make_response as hx_response
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    # Boosted navigation and history restores want the whole page.
    return (
        bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request
    )


def _flashed(_app, **_message) -> None:
    g.flashed = True


message_flashed.connect(_flashed)


def _shows_flashes() -> bool:
    """Whether an HTMX answer carries the waiting messages (out of band): those this request
    flashed, or the navigation after a redirecting post (HX-Location aims at #main). A
    background request (a duplicate check as one types, a count) leaves them to the page they
    were meant for: answered in between a post and its page, it would take them away."""
    navigation = request.headers.get("HX-Target") == "main"
    return "_flashes" in session and (g.get("flashed", False) or navigation)


def render(template: str, *, block: str = "content", status: int = 200, **context) -> Response:
    """Render the page, or just `block` of it for an HTMX request."""
    if is_htmx():
        html = render_block(template, block, **context)
        if _shows_flashes():
            html += render_template("_flashes.html", oob=True)
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def redirect_after_post(endpoint: str, *, whole_page: bool = False, **values) -> Response:
    """303 for a plain form post. For HTMX, HX-Location so only the main content swaps:
    htmx fetches the target as an HTMX request aimed at #main, which answers with the page's
    content block alone, swapped into #main as it is (selecting #main from it finds nothing).
    `whole_page`: HX-Redirect instead, a full load, when the next page must come whole (its
    flash message, the navigation's counts)."""
    return see_other(url_for(endpoint, **values), whole_page=whole_page)


def see_other(target: str, *, whole_page: bool = False) -> Response:
    """`redirect_after_post` to a URL already built (a create's recorded result)."""
    if is_htmx():
        if whole_page:
            return hx_response("", 204, redirect=target)
        return hx_response("", 204, location={"path": target, "target": "#main"})
    return make_response("", 303, {"Location": target})
