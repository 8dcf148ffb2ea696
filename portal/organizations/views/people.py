"""Members, roles and invitations: self-service for a customer's admins, and for staff."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal.confirmation import ask, confirmed
from portal.domain import DomainError
from portal.extensions import db
from portal.htmx import render
from portal.idempotency import create_once
from portal.models import utcnow
from portal.organizations import bp, queries, rules, services
from portal.organizations.access import (
    held,
    load_assignment_or_404,
    load_invitation_or_404,
    load_member_or_404,
    load_node_or_404,
    load_org_or_404,
    load_role_or_404,
    require_org,
)
from portal.organizations.forms import (
    AcceptForm,
    AssignForm,
    ButtonForm,
    EndDateForm,
    InviteForm,
    RoleForm,
)
from portal.organizations.models import OrganizationRole
from portal.organizations.permissions import ORG_PERMISSIONS, ROLE_TEMPLATES, TEMPLATES_BY_KEY
from portal.organizations.ports import LogInvitationSender
from portal.organizations.services.members import InvitationInvalid
from portal.organizations.values import MemberStatus
from portal.organizations.views._common import done, done_at, node_page
from portal.security.access import public

sender = LogInvitationSender()


def _grantable(node, role_form_field) -> None:
    """Offer only the roles the user may hand out at `node`."""
    mine = held(node)
    grantable = [
        r for r in queries.roles(node.organization_id) if not rules.escalation(r.permissions, mine)
    ]
    # The least privileged first, so that the one a form starts on grants the least.
    grantable.sort(key=lambda r: len(r.permissions))
    role_form_field.choices = {r.id: r.name for r in grantable}


def _members_tab(node, status=200, invite_form=None):
    if invite_form is None:
        invite_form = InviteForm(formdata=None)
    _grantable(node, invite_form.role)
    return node_page(
        node,
        "members",
        status=status,
        members=queries.members_under(node),
        invitations=queries.pending_invitations(node, utcnow()),
        invite_form=invite_form,
        button=ButtonForm(),
    )


@bp.get("/nodes/<node_id>/members")
@require_org("org:view")
def node_members(node_id: str):
    return _members_tab(load_node_or_404(node_id, "org:view"))


@bp.post("/nodes/<node_id>/invitations")
@require_org("org:members:invite")
def invitation_create(node_id: str):
    node = load_node_or_404(node_id, "org:members:invite")
    form = InviteForm()
    _grantable(node, form.role)
    # Validate the choice ourselves: a role id from another organisation is a 404, not a hint.
    form.role.validate_choice = False
    if form.validate_on_submit():
        role = db.session.get(OrganizationRole, form.role.data)
        if role is None or role.organization_id != node.organization_id:
            abort(404)
        try:
            create_once(
                current_user,
                form,
                lambda: services.invite(
                    current_user,
                    node.id,
                    form.email.data,
                    form.name.data,
                    role.id,
                    held(node),
                    sender,
                    lambda token: url_for(
                        "organizations.invitation_accept", token=token, _external=True
                    ),
                ),
                lambda _: url_for("organizations.node_members", node_id=node.id),
            )
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done(
                f"Invitation sent to {form.email.data}.",
                "organizations.node_members",
                node_id=node.id,
            )
    return _members_tab(node, 422, form)


@bp.post("/invitations/<invitation_id>/revoke")
@require_org("org:members:invite")
def invitation_revoke(invitation_id: str):
    invitation, node = load_invitation_or_404(invitation_id, "org:members:invite")
    if ButtonForm().validate_on_submit():
        services.revoke_invitation(current_user, invitation.id)
    return done("Invitation revoked.", "organizations.node_members", node_id=node.id)


@bp.route("/invitations/accept/<token>", methods=["GET", "POST"])
@public
def invitation_accept(token: str):
    form = AcceptForm()
    try:
        invitation = services.open_invitation(token, utcnow())
    except InvitationInvalid as error:
        return render("organizations/accept.html", form=None, error=error, status=404)
    if request.method == "GET":
        form.name.data = invitation.name
    elif form.validate_on_submit():
        try:
            services.accept_invitation(token, form.name.data, form.password.data)
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done("Welcome! Sign in with your e-mail and new password.", "auth.sign_in")
    status = 422 if request.method == "POST" else 200
    return render("organizations/accept.html", form=form, invitation=invitation, status=status)


def _member_page(member, root, status=200, **forms):
    rows = queries.member_assignments(member.id)
    assign = forms.get("assign") or AssignForm(formdata=None)
    _grantable(root, assign.role)
    return render(
        "organizations/member.html",
        status=status,
        member=member,
        root=root,
        person=rows[0],
        rows=[r for r in rows if r.assignment_id],
        assign_form=assign,
        end_form=forms.get("end") or EndDateForm(formdata=None, end_date=member.end_date),
        button=forms.get("button") or ButtonForm(),
    )


@bp.get("/members/<member_id>")
@require_org("org:view")
def member_detail(member_id: str):
    member, root = load_member_or_404(member_id, "org:view")
    return _member_page(member, root)


@bp.post("/members/<member_id>/assignments")
@require_org("org:members:manage")
def assignment_create(member_id: str):
    member, root = load_member_or_404(member_id, "org:view")
    form = AssignForm()
    form.role.validate_choice = False
    if form.validate_on_submit():
        node = queries.node_by_code(root.id, form.node.data)
        role = db.session.get(OrganizationRole, form.role.data)
        if node is None:
            form.node.errors = ["No node of this organisation has that code."]
        elif role is None or role.organization_id != root.id:
            abort(404)
        else:
            load_node_or_404(node.id, "org:members:manage")
            try:
                create_once(
                    current_user,
                    form,
                    lambda: services.assign_role(
                        current_user, member.id, role.id, node.id, held(node)
                    ),
                    lambda _: url_for("organizations.member_detail", member_id=member.id),
                )
            except DomainError as error:
                form.show_errors(error.errors)
            else:
                return done(
                    f"{role.name} at {node.name} assigned.",
                    "organizations.member_detail",
                    member_id=member.id,
                )
    return _member_page(member, root, 422, assign=form)


@bp.post("/assignments/<assignment_id>/revoke")
@require_org("org:members:manage")
def assignment_revoke(assignment_id: str):
    assignment, node = load_assignment_or_404(assignment_id, "org:members:manage")
    member_id = assignment.member_id
    form = ButtonForm()
    if form.validate_on_submit():
        if not confirmed():
            role = db.session.get(OrganizationRole, assignment.role_id)
            back = url_for("organizations.member_detail", member_id=member_id)
            return ask("revoke-role", f"{role.name} at {node.name}", back)
        try:
            services.revoke_role(current_user, assignment.id, held(node))
        except DomainError as error:
            member, root = load_member_or_404(member_id, "org:view")
            form.show_errors(error.errors)
            return _member_page(member, root, 422, button=form)
    return done("Role revoked.", "organizations.member_detail", member_id=member_id)


@bp.post("/members/<member_id>/end-date")
@require_org("org:members:manage")
def member_end_date(member_id: str):
    member, root = load_member_or_404(member_id, "org:members:manage")
    form = EndDateForm()
    if form.validate_on_submit():
        try:
            services.set_end_date(current_user, member.id, form.end_date.data)
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done("Saved.", "organizations.member_detail", member_id=member.id)
    return _member_page(member, root, 422, end=form)


@bp.post("/members/<member_id>/status")
@require_org("org:members:manage")
def member_status(member_id: str):
    member, root = load_member_or_404(member_id, "org:members:manage")
    form = ButtonForm()
    wanted = request.form.get("status", "")
    if form.validate_on_submit() and wanted in MemberStatus.__members__:
        try:
            services.set_member_status(current_user, member.id, MemberStatus(wanted))
        except DomainError as error:
            form.show_errors(error.errors)
        else:
            return done(
                f"Member {wanted.lower()}.", "organizations.member_detail", member_id=member.id
            )
    return _member_page(member, root, 422, button=form)


@bp.get("/<organization_id>/roles")
@require_org("org:view")
def role_list(organization_id: str):
    root = load_org_or_404(organization_id, "org:view")
    return render(
        "organizations/roles.html",
        root=root,
        roles=queries.roles(root.id),
        catalogue=ORG_PERMISSIONS,
        templates=ROLE_TEMPLATES,
        may_manage="org:roles:manage" in held(root),
    )


def _role_page(root, role, form, status=200):
    return render(
        "organizations/role_form.html",
        root=root,
        role=role,
        form=form,
        held=held(root),
        status=status,
    )


def _save(root, role, form):
    def save():
        return services.save_role(
            current_user,
            root.id,
            role.id if role else None,
            form.name.data,
            form.description.data or "",
            form.permissions.data or [],
            held(root),
        )

    listed = url_for("organizations.role_list", organization_id=root.id)
    try:
        if role is None:  # a new role is made once, however often its form is sent
            create_once(current_user, form, save, lambda _: listed)
        else:
            save()
    except DomainError as error:
        form.show_errors(error.errors)
        return _role_page(root, role, form, 422)
    return done_at(f"Role {form.name.data.strip()} saved.", listed)


@bp.route("/<organization_id>/roles/new", methods=["GET", "POST"])
@require_org("org:roles:manage")
def role_create(organization_id: str):
    root = load_org_or_404(organization_id, "org:roles:manage")
    template = TEMPLATES_BY_KEY.get(request.args.get("template", ""))
    form = RoleForm()
    if request.method == "GET" and template:
        form.name.data = f"{template.name} (copy)"
        form.description.data = template.description
        form.permissions.data = list(template.permissions)
    if request.method == "POST" and form.validate_on_submit():
        return _save(root, None, form)
    return _role_page(root, None, form, 422 if request.method == "POST" else 200)


@bp.route("/roles/<role_id>", methods=["GET", "POST"])
@require_org("org:roles:manage")
def role_edit(role_id: str):
    role, root = load_role_or_404(role_id, "org:roles:manage")
    form = RoleForm(obj=role)
    if request.method == "POST" and form.validate_on_submit():
        return _save(root, role, form)
    return _role_page(root, role, form, 422 if request.method == "POST" else 200)
