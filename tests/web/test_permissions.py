"""Every endpoint declares a permission, and every role gets exactly what its permissions allow."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

from portal.api.tokens import SCOPE_PREFIX, SCOPES
from portal.organizations.permissions import ORG_PERMISSIONS
from portal.security.access import permission_of
from portal.security.permissions import PERMISSIONS, PUBLIC, SCRAPER, SIGNED_IN, STAFF_ROLES
from tests.conftest import sign_in_client

# Open to anyone, on purpose: signing in, the OIDC callback, static files, health checks.
PUBLIC_ENDPOINTS = {
    "static",
    "auth.sign_in",
    "auth.sign_in_post",
    "auth.sso_start",
    "auth.sso_callback",
    "home.healthz",
    # the single-use link in an invitation to join an organisation
    "organizations.invitation_accept",
    # the API's description, for the systems that call it
    "api.openapi",
}


def _rules(app) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def _url(rule: Rule) -> str:
    # Ids that exist nowhere: a permitted role then sees 404, never 403.
    values: dict[str, object] = dict.fromkeys(rule.arguments, "no-such-id")
    for arg, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[arg] = 999_999_999
    return rule.build(values, append_unknown=False)[1]


def _token_protected(permission: str | None) -> bool:
    return bool(permission) and permission.startswith(SCOPE_PREFIX)


def _endpoint_cases(app, *, tokens: bool = False):
    """(rule, method, permission) of the session-protected endpoints, or of the ones that
    take API tokens instead."""
    for rule in _rules(app):
        permission = permission_of(app.view_functions[rule.endpoint])
        if permission in (PUBLIC, SCRAPER) or _token_protected(permission) != tokens:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, permission


def test_every_endpoint_declares_a_permission(app):
    missing = [
        r.endpoint for r in _rules(app) if permission_of(app.view_functions[r.endpoint]) is None
    ]
    assert missing == []


def test_public_endpoints_are_exactly_the_allow_list(app):
    public = {
        r.endpoint for r in _rules(app) if permission_of(app.view_functions[r.endpoint]) == PUBLIC
    }
    assert public == PUBLIC_ENDPOINTS - {"static"}


def test_declared_permissions_are_in_the_catalogue(app):
    declared = {permission_of(app.view_functions[r.endpoint]) for r in _rules(app)}
    scopes = {SCOPE_PREFIX + scope for scope in SCOPES}
    assert (
        declared - {PUBLIC, SIGNED_IN, SCRAPER} <= set(PERMISSIONS) | set(ORG_PERMISSIONS) | scopes
    )


def test_anonymous_is_sent_to_sign_in(app):
    client = app.test_client()
    for rule, method, _ in _endpoint_cases(app):
        response = client.open(_url(rule), method=method)
        assert response.status_code == 302, (rule.endpoint, method, response.status_code)
        assert "/auth/sign-in" in response.location


def test_anonymous_htmx_request_gets_401_with_hx_redirect(app):
    client = app.test_client()
    for rule, method, _ in _endpoint_cases(app):
        response = client.open(_url(rule), method=method, headers={"HX-Request": "true"})
        assert response.status_code == 401, (rule.endpoint, method)
        assert "/auth/sign-in" in response.headers["HX-Redirect"]


def test_token_endpoints_answer_401_json_without_a_token(app, make_user):
    """No sign-in redirect for machines, and a staff session is no substitute for a token."""
    cases = list(_endpoint_cases(app, tokens=True))
    assert cases
    signed_in = app.test_client()
    sign_in_client(signed_in, make_user("administrator"))
    for client in (app.test_client(), signed_in):
        for rule, method, _ in cases:
            response = client.open(_url(rule), method=method)
            assert response.status_code == 401, (rule.endpoint, method)
            assert response.json["error"]["status"] == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", STAFF_ROLES, ids=lambda r: r.name)
def test_role_matrix(app, make_user, role):
    """Without the permission: 403. With it: anything but 403 (404 for ids that do not exist)."""
    user = make_user(role.name)
    for rule, method, permission in _endpoint_cases(app):
        client = app.test_client()
        sign_in_client(client, user)
        response = client.open(_url(rule), method=method)
        allowed = permission == SIGNED_IN or permission in role.permissions
        if permission in ORG_PERMISSIONS:
            # Staff reach organisations through customer permissions (organizations/access.py).
            allowed = "customer:manage" in role.permissions or (
                permission == "org:view" and "customer:read" in role.permissions
            )
        if allowed:
            assert response.status_code != 403, (role.name, rule.endpoint, method)
            assert response.status_code < 500, (role.name, rule.endpoint, method)
        else:
            assert response.status_code == 403, (role.name, rule.endpoint, method)


def test_denied_access_is_audited(client, login_as):
    from portal.extensions import db
    from portal.security.models import AuditEntry

    login_as("sales")
    assert client.get("/admin/audit").status_code == 403
    entry = db.session.query(AuditEntry).filter_by(action="access.denied").one()
    assert entry.outcome == "denied"
    assert entry.record_id == "admin.audit_log"


def test_navigation_shows_only_what_the_role_may_open(client, login_as):
    login_as("sales")
    page = client.get("/").text
    assert "Audit log" not in page
    assert "Roles" not in page


def test_administrator_sees_roles_and_their_permissions(client, login_as):
    login_as("administrator")
    page = client.get("/admin/roles").text
    for role in STAFF_ROLES:
        assert role.label in page
    assert "customer:compliance:manage" in page


def test_database_catalogue_matches_the_code(app):
    """Migrations store the catalogue; the code declares it. They must agree."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.security.models import Permission, Role

    assert set(db.session.scalars(select(Permission.name))) == set(PERMISSIONS)
    stored = {
        role.name: {p.name for p in role.permissions} for role in db.session.scalars(select(Role))
    }
    assert stored == {role.name: set(role.permissions) for role in STAFF_ROLES}
