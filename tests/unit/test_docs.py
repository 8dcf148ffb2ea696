"""Generated documents are committed up to date; the API guide covers the whole API."""

import pytest

from portal.api.openapi import document
from portal.api.tokens import SCOPES
from portal.docs import DOCS_DIR, GENERATED


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_doc_is_up_to_date(app, name):
    committed = (DOCS_DIR / name).read_text(encoding="utf-8")
    assert committed == GENERATED[name](app), f"run `flask --app wsgi docs write` ({name})"


def test_the_api_guide_names_every_scope_and_operation(app):
    guide = (DOCS_DIR / "api.md").read_text(encoding="utf-8")
    named = [f"`{scope}`" for scope in SCOPES] + [
        f"{method.upper()} {path.split('{')[0]}"
        for path, operations in document()["paths"].items()
        for method in operations
    ]
    assert [n for n in named if n not in guide] == []
