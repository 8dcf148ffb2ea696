"""The hierarchy browser: node pages, lazy children, search, org chart, history, node edits."""

from __future__ import annotations

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from portal.confirmation import ask, confirmed
from portal.customers import overview
from portal.domain import DomainError
from portal.htmx import is_htmx, render
from portal.idempotency import create_once
from portal.models import utcnow
from portal.organizations import bp, queries, rules, services
from portal.organizations.access import (
    is_external,
    load_node_or_404,
    require_org,
)
from portal.organizations.forms import (
    AttributeForm,
    ButtonForm,
    MoveForm,
    NodeForm,
    OrganizationForm,
    RenameForm,
    SearchForm,
)
from portal.organizations.values import ATTRIBUTES, CHOICES, NodeStatus, NodeType
from portal.organizations.views._common import done, done_at, node_page, tree_top


@bp.get("/")
@require_org("org:view")
def organization_list():
    if is_external(current_user):
        found = queries.memberships(current_user.id)
        if not found:
            abort(404)
        return redirect(url_for("organizations.node_detail", node_id=found[0][1]))
    form = SearchForm(request.args)
    return render(
        "organizations/list.html",
        form=form,
        rows=queries.organizations((form.q.data or "").strip()),
        create_form=OrganizationForm(),
        block="results" if request.htmx.target == "org-results" else "content",
    )


@bp.post("/")
@require_org("org:nodes:edit")
def organization_create():
    if is_external(current_user):
        abort(404)
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            outcome = create_once(
                current_user,
                form,
                lambda: services.create_organization(
                    current_user, form.customer_id.data.strip(), form.name.data, form.code.data
                ),
                lambda root: url_for("organizations.node_detail", node_id=root.id),
            )
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done_at(f"Created {form.name.data.strip()}.", outcome.location)
    return render(
        "organizations/list.html",
        status=422,
        form=SearchForm(),
        rows=queries.organizations(),
        create_form=form,
    )


def _details(node, status=200, open_paths=None, matches=(), **forms):
    effective = rules.effective_attributes(queries.chain(node))
    return node_page(
        node,
        "details",
        status=status,
        open_paths=open_paths,
        matches=matches,
        effective=effective,
        choices=CHOICES,
        forms={
            "child": NodeForm(formdata=None),
            "rename": RenameForm(formdata=None, obj=node),
            "move": MoveForm(formdata=None),
            "attribute": AttributeForm(formdata=None),
            "button": ButtonForm(),
            **forms,
        },
        failed_field=request.view_args.get("field"),
    )


@bp.get("/nodes/<node_id>")
@require_org("org:view")
def node_detail(node_id: str):
    return _details(load_node_or_404(node_id, "org:view"))


@bp.get("/nodes/<node_id>/pick")
@require_org("org:view")
def node_pick(node_id: str):
    """A fragment only: the options of a node picker (templates/_macros/picker.html), nodes at
    or below this one matching what is typed in the field, which sends itself as `node`."""
    under = load_node_or_404(node_id, "org:view")
    nodes = queries.nodes_matching(under, request.args.get("node", "")[:200])
    return render_template("organizations/_node_options.html", nodes=nodes)


@bp.get("/nodes/<node_id>/children")
@require_org("org:view")
def node_children(node_id: str):
    """A fragment only: the branch that the tree's expand button asks for."""
    node = load_node_or_404(node_id, "org:view")
    html = render_block(
        "organizations/_tree_parts.html", "children", rows=queries.children(node), tree={}
    )
    return make_response(html)


@bp.get("/nodes/<node_id>/tree")
@require_org("org:view")
def tree_search(node_id: str):
    """The tree with the path to every match opened and the matches marked (the whole page
    without JavaScript)."""
    node = load_node_or_404(node_id, "org:view")
    form = SearchForm(request.args)
    text = (form.q.data or "").strip() if form.validate() else ""
    top = tree_top(node, queries.chain(node))
    found = queries.search(top, text) if text else []
    open_paths = {p for _, path in found for p in rules.ancestor_paths(path)[:-1]}
    matches = {found_id for found_id, _ in found}
    if not is_htmx():
        return _details(node, open_paths=open_paths, matches=matches)
    return render(
        "organizations/_tree_parts.html",
        block="tree",
        node=node,
        tree=queries.expanded_tree(top, open_paths),
        matches=matches,
        searched=text,
    )


@bp.get("/nodes/<node_id>/chart")
@require_org("org:view")
def node_chart(node_id: str):
    node = load_node_or_404(node_id, "org:view")
    rows = queries.subtree(node)
    kids: dict[str, list] = {}
    for row in rows[1:]:
        kids.setdefault(row.parent_id, []).append(row)
    return node_page(node, "chart", chart_root=rows[0], kids=kids, levels=queries.CHART_LEVELS)


@bp.get("/nodes/<node_id>/history")
@require_org("org:view")
def node_history(node_id: str):
    node = load_node_or_404(node_id, "org:view")
    return node_page(node, "history", entries=queries.history(node.id))


@bp.post("/nodes/<node_id>/children")
@require_org("org:nodes:edit")
def node_add(node_id: str):
    parent = load_node_or_404(node_id, "org:nodes:edit")
    form = NodeForm()
    if form.validate_on_submit():
        try:
            outcome = create_once(
                current_user,
                form,
                lambda: services.add_node(
                    current_user,
                    parent.id,
                    NodeType(form.type.data),
                    form.name.data,
                    form.code.data,
                ),
                lambda child: url_for("organizations.node_detail", node_id=child.id),
            )
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done_at(f"Added {form.name.data.strip()}.", outcome.location)
    return _details(parent, 422, child=form)


@bp.post("/nodes/<node_id>/rename")
@require_org("org:nodes:edit")
def node_rename(node_id: str):
    node = load_node_or_404(node_id, "org:nodes:edit")
    form = RenameForm()
    if form.validate_on_submit():
        try:
            services.rename_node(current_user, node.id, form.name.data, form.code.data)
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done("Saved.", "organizations.node_detail", node_id=node.id)
    return _details(node, 422, rename=form)


@bp.post("/nodes/<node_id>/move")
@require_org("org:nodes:edit")
def node_move(node_id: str):
    node = load_node_or_404(node_id, "org:nodes:edit")
    form = MoveForm()
    if form.validate_on_submit():
        target = queries.node_by_code(node.organization_id, form.parent.data)
        if target is None:
            form.parent.errors = ["No node of this organisation has that code."]
        else:
            load_node_or_404(target.id, "org:nodes:edit")
            try:
                services.move_node(current_user, node.id, target.id)
            except DomainError as error:
                form.show_errors(error.errors)
            else:
                return done(
                    f"Moved under {target.name}.", "organizations.node_detail", node_id=node.id
                )
    return _details(node, 422, move=form)


@bp.post("/nodes/<node_id>/status")
@require_org("org:nodes:edit")
def node_status(node_id: str):
    node = load_node_or_404(node_id, "org:nodes:edit")
    form = ButtonForm()
    wanted = request.form.get("status", "")
    if form.validate_on_submit() and wanted in NodeStatus.__members__:
        if wanted == NodeStatus.INACTIVE and not confirmed():
            back = url_for("organizations.node_detail", node_id=node.id)
            return ask("deactivate-subtree", node.name, back)
        try:
            count = services.set_subtree_status(current_user, node.id, NodeStatus(wanted))
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done(
                f"{count} nodes now {wanted.lower()}.", "organizations.node_detail", node_id=node.id
            )
    return _details(node, 422, button=form)


def _attribute_node(node_id: str, field: str):
    if field not in ATTRIBUTES:
        abort(404)
    return load_node_or_404(node_id, "org:nodes:edit")


@bp.post("/nodes/<node_id>/attributes/<field>")
@require_org("org:nodes:edit")
def attribute_override(node_id: str, field: str):
    node = _attribute_node(node_id, field)
    form = AttributeForm()
    if form.validate_on_submit():
        try:
            services.override_attribute(current_user, node.id, field, form.value.data or "")
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done(
                f"{ATTRIBUTES[field]} overridden here.",
                "organizations.node_detail",
                node_id=node.id,
            )
    return _details(node, 422, attribute=form)


@bp.post("/nodes/<node_id>/attributes/<field>/clear")
@require_org("org:nodes:edit")
def attribute_clear(node_id: str, field: str):
    node = _attribute_node(node_id, field)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            services.clear_override(current_user, node.id, field)
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done(
                f"{ATTRIBUTES[field]} inherited again.",
                "organizations.node_detail",
                node_id=node.id,
            )
    return _details(node, 422, button=form)


@overview.panel("organization")
def _organization_at_a_glance(customer) -> queries.Glance | None:
    """The B2B customer's organisation on the profile's overview."""
    root = queries.organization_of(customer.id)
    return queries.glance(root, utcnow()) if root else None
