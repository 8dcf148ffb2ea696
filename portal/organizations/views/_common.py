"""What the organisation pages share: the node page context and the answer after a post."""

from __future__ import annotations

from flask import flash, request, url_for

from portal.extensions import db
from portal.htmx import render, see_other
from portal.organizations import queries, rules
from portal.organizations.access import held, highest_viewable
from portal.organizations.models import OrganizationNode

TABS = {"details": "Details", "members": "Members", "chart": "Org chart", "history": "History"}


def tree_top(node: OrganizationNode, chain: list[rules.Ancestor]) -> OrganizationNode:
    """Where the tree starts: the root for staff; for a customer's people, the highest node
    on the way here that they may see."""
    return db.session.get(OrganizationNode, highest_viewable(chain, node.organization_id))


def node_page(
    node: OrganizationNode,
    tab: str,
    *,
    status: int = 200,
    open_paths: set[str] | None = None,
    matches=(),
    **context,
):
    """The node page with the tree opened down to it (or to `open_paths`), or only its panel
    for an HTMX request aimed at the panel."""
    chain = queries.chain(node)
    top = tree_top(node, chain)
    if open_paths is None:
        open_paths = set(rules.ancestor_paths(node.path))
    block = "panel" if request.htmx.target == "node-panel" else "content"
    return render(
        "organizations/node.html",
        block=block,
        status=status,
        node=node,
        chain=chain,
        top=top,
        tree=queries.expanded_tree(top, open_paths) if block == "content" else {},
        matches=matches,
        held=held(node),
        tab=tab,
        tabs=TABS,
        **context,
    )


def done(message: str, endpoint: str, **values):
    """After a successful post: 303 to the page with a flash, or for HTMX the page's content
    block swapped into #main."""
    return done_at(message, url_for(endpoint, **values))


def done_at(message: str, target: str):
    """`done` with the URL already built (a create's recorded result); an HTMX swap of #main
    brings the flash out of band (portal.htmx.render)."""
    flash(message, "success")
    return see_other(target)
