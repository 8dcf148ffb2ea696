"""A real OpenID provider (oidc-provider-mock) started in a thread for the test run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import oidc_provider_mock
import requests

CLIENT_ID = "efi-portal-test"
CLIENT_SECRET = "efi-portal-test-secret"
ROLE_MAP = "efi-sales=sales,efi-admins=administrator,efi-compliance=compliance_officer"


@contextmanager
def running_provider(**options) -> Iterator[str]:
    """Yield the issuer URL of a provider that requires a nonce, as real ones should."""
    options.setdefault("require_nonce", True)
    with oidc_provider_mock.run_server_in_thread(**options) as server:
        yield f"http://localhost:{server.server_port}"


def set_provider_user(issuer: str, sub: str, **claims) -> None:
    """Tell the provider which claims to issue for `sub` on its next authorization."""
    response = requests.put(f"{issuer}/users/{quote(sub)}", json=claims, timeout=5)
    response.raise_for_status()


def sso_settings(issuer: str) -> dict:
    return {
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ROLE_MAP": ROLE_MAP,
        "OIDC_ROLES_CLAIM": "groups",
    }
