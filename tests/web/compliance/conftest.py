"""Exports go to a temporary folder in web tests too."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def export_dir(app, tmp_path):
    app.config["COMPLIANCE_EXPORT_DIR"] = str(tmp_path / "exports")
    yield tmp_path / "exports"
    app.config.pop("COMPLIANCE_EXPORT_DIR")
