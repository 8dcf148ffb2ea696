"""Operations that used to end in a traceback now say what is wrong."""

from __future__ import annotations

import pytest

from portal.config import ConfigurationError


def test_seed_demo_twice_says_the_demo_customers_are_there(runner, monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    first = runner.invoke(args=["seed-demo", "--customers", "20"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo", "--customers", "20"])
    assert second.exit_code == 1
    assert "demo customers are generated into an empty database only" in second.output
    assert "Traceback" not in second.output
    assert runner.invoke(args=["seed-demo", "--customers", "20", "--if-empty"]).exit_code == 0


def test_a_changed_secret_key_is_refused_at_start_up_with_the_reason(make_app, restaurant):
    """Outside production the field key is derived from SECRET_KEY: with another one, every
    B2B profile and API read answered 500."""
    with pytest.raises(ConfigurationError, match=r"No configured key decrypts customer\.tax_id"):
        make_app(SECRET_KEY="another-secret-key", FIELD_ENCRYPTION_KEYS="")
    make_app()  # the keys the values were written with still start
