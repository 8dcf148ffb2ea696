"""Generated documents are committed up to date."""

import pytest

from portal.docs import DOCS_DIR, GENERATED


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_doc_is_up_to_date(app, name):
    committed = (DOCS_DIR / name).read_text(encoding="utf-8")
    assert committed == GENERATED[name](app), f"run `flask --app wsgi docs write` ({name})"
