"""Retention from its page: a dry run previews the counts per policy, applying needs that
preview to be current, both are audited; a GET changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.compliance.models import RetentionRun
from portal.compliance.retention import save_policy
from portal.compliance.values import RetentionRule
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import AuditEntry

PAGE = "/compliance/retention"


def runs() -> list[RetentionRun]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(RetentionRun).order_by(RetentionRun.id)))


def preview_id(page: str) -> str:
    return re.search(r'name="preview" type="hidden" value="(\d+)"', page)[1]


def test_preview_then_apply(client, login_as):
    login_as("compliance_officer")
    assert "Preview (dry run)" in client.get(PAGE).text
    assert runs() == []  # the page itself runs nothing
    previewed = client.post(f"{PAGE}/preview", follow_redirects=True)
    assert "Dry run done: nothing was changed." in previewed.text
    assert [r.dry_run for r in runs()] == [True]
    assert 'data-rule="FLAG_INACTIVE"' in previewed.text
    applied = client.post(
        f"{PAGE}/apply", data={"preview": preview_id(previewed.text)}, follow_redirects=True
    )
    assert "Retention applied:" in applied.text
    assert [r.dry_run for r in runs()] == [True, False]
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"retention.dry_run", "retention.applied"} <= actions


def test_applying_an_outdated_preview_is_refused(client, login_as):
    officer = login_as("compliance_officer")
    page = client.post(f"{PAGE}/preview", follow_redirects=True).text
    shown = preview_id(page)
    save_policy(officer, RetentionRule.FLAG_INACTIVE, 12, True, utcnow() + timedelta(seconds=1))
    db.session.commit()
    refused = client.post(f"{PAGE}/apply", data={"preview": shown})
    assert refused.status_code == 409
    assert "preview again" in refused.text
    assert [r.dry_run for r in runs()] == [True]


def test_running_needs_the_compliance_permission(client, login_as):
    login_as("sales")
    assert client.post(f"{PAGE}/preview").status_code == 403
    assert client.post(f"{PAGE}/apply", data={"preview": "1"}).status_code == 403
    assert runs() == []
