"""After a successful post: where the browser goes next."""

from __future__ import annotations

from flask import redirect, url_for
from htmx_flask import make_response as hx_response

from portal.htmx import is_htmx


def whole_page(endpoint: str, **values):
    """303 for a plain post; for HTMX, HX-Redirect. An HX-Location swap would fetch only the
    next page's content block, which holds no #main for its `select` to find."""
    target = url_for(endpoint, **values)
    if is_htmx():
        return hx_response("", 204, redirect=target)
    return redirect(target, 303)
