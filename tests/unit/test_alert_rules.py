"""The alert rules in deploy/prometheus are valid PromQL, fire on the series that should fire
them (promtool's rule unit tests) and name only metrics the portal exports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
# CI installs Debian's prometheus package for promtool (.ci/run); elsewhere it may be missing.
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None and not os.environ.get("CI"), reason="promtool not installed"
)


def promtool(*args: str, cwd: Path = RULES) -> None:
    result = subprocess.run(  # noqa: S603 - our own rule files, a fixed command
        [PROMTOOL or "promtool", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_rules_are_valid():
    promtool("check", "rules", "alerts.yml")


@needs_promtool
def test_rules_fire_on_their_unit_test_series():
    promtool("test", "rules", "alerts_test.yml")


def test_every_domain_alarm_has_a_rule_and_a_runbook_line():
    rules = [
        rule
        for group in yaml.safe_load((RULES / "alerts.yml").read_text())["groups"]
        for rule in group["rules"]
    ]
    names = {rule["alert"] for rule in rules}
    assert {
        "PortalErrorRateHigh",
        "PortalDataSyncDelayed",
        "PortalSegmentationSlow",
        "PortalCustomerLookupSlow",
        "PortalDsarDeadlineAtRisk",
        "PortalRelayStopped",
        "PortalConsumerStopped",
        "PortalParkedEvents",
    } <= names
    runbook = (RULES.parents[1] / "docs" / "operations.md").read_text()
    for rule in rules:
        anchor = rule["annotations"]["runbook"].split("#")[1]
        assert f"### {anchor}" in runbook.lower().replace("`", ""), rule["alert"]


def alert_metric_names() -> set[str]:
    text = (RULES / "alerts.yml").read_text()
    names = set(re.findall(r"\b(portal_[a-z_]+)", text))
    # a histogram's and a counter's series names as Prometheus stores them
    return {re.sub(r"_(bucket|total)$", "", name) for name in names}


def dashboard_expressions() -> list[str]:
    found = []
    for path in sorted((RULES.parent / "grafana").glob("*.json")):
        dashboard = json.loads(path.read_text())
        found += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    return found


def test_the_grafana_dashboards_query_the_portals_metrics():
    expressions = dashboard_expressions()
    assert len(expressions) >= 18
    for expression in expressions:
        assert re.search(r"\bportal_[a-z_]+", expression), expression


@needs_promtool
def test_the_grafana_queries_are_valid_promql(tmp_path):
    # promtool parses recording rules' expressions: one rule per dashboard query
    rules = {
        "groups": [
            {
                "name": "dashboards",
                "rules": [
                    {"record": f"dashboard:query{n}", "expr": e}
                    for n, e in enumerate(dashboard_expressions())
                ],
            }
        ]
    }
    (tmp_path / "queries.yml").write_text(yaml.safe_dump(rules))
    promtool("check", "rules", "queries.yml", cwd=tmp_path)
