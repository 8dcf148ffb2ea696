"""Compliance fixtures: officers, and a customer with data in every area."""

from __future__ import annotations

import pytest

from tests.unit.compliance.everywhere import customer_everywhere


@pytest.fixture(autouse=True)
def export_dir(app, tmp_path):
    app.config["COMPLIANCE_EXPORT_DIR"] = str(tmp_path / "exports")
    yield tmp_path / "exports"
    app.config.pop("COMPLIANCE_EXPORT_DIR")


@pytest.fixture
def officer(make_user):
    return make_user("compliance_officer", name="Olga Officer")


@pytest.fixture
def second_officer(make_user):
    return make_user("compliance_officer", name="Sam Second")


@pytest.fixture
def everywhere(staff):
    return customer_everywhere(staff)
