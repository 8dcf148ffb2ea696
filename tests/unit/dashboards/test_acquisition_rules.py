"""The acquisition rules without a database: channel and source of a new customer, a source
added to the list, a month and currency of marketing spend."""

from __future__ import annotations

from datetime import date

import pytest

from portal.customers.rules.acquisition import acquisition_errors, channel_of, new_source_errors
from portal.dashboards.rules import parse_month, spend_errors

SOURCES = {"INSTAGRAM": "SOCIAL", "GOOGLE_ADS": "PAID_SEARCH"}


@pytest.mark.parametrize(
    ("channel", "source", "errors"),
    [
        (None, None, {}),
        ("DIRECT", None, {}),
        (None, "INSTAGRAM", {}),
        ("SOCIAL", "INSTAGRAM", {}),
        ("PIGEON", None, {"acquisition_channel": ["Choose one of the channels listed."]}),
        (None, "MYSPACE", {"acquisition_source": ["Unknown source: choose one from the list."]}),
        (
            "EVENT",
            "INSTAGRAM",
            {"acquisition_source": ["This source belongs to the channel Social media."]},
        ),
    ],
)
def test_channel_and_source(channel, source, errors):
    assert acquisition_errors(channel, source, SOURCES) == errors


def test_the_channel_stored_is_the_sources_when_none_is_given():
    assert channel_of(None, "GOOGLE_ADS", SOURCES) == "PAID_SEARCH"
    assert channel_of("DIRECT", None, SOURCES) == "DIRECT"
    assert channel_of(None, None, SOURCES) is None


@pytest.mark.parametrize(
    ("code", "name", "channel", "fields"),
    [
        ("PINTEREST", "Pinterest", "SOCIAL", set()),
        ("pinterest", "Pinterest", "SOCIAL", {"code"}),
        ("INSTAGRAM", "Pinterest", "SOCIAL", {"code"}),
        ("PINTEREST", " instagram ", "SOCIAL", {"name"}),
        ("PINTEREST", "  ", "SOCIAL", {"name"}),
        ("PINTEREST", "Pinterest", "PIGEON", {"channel"}),
    ],
)
def test_a_new_source(code, name, channel, fields):
    errors = new_source_errors(code, name, channel, {"INSTAGRAM"}, {"Instagram"})
    assert set(errors) == fields


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "1999-12", "2101-01", "", "x"])
def test_a_month_that_is_not_one(text):
    with pytest.raises(ValueError, match="like 2026-11"):
        parse_month(text)


def test_a_month_is_its_first_day():
    assert parse_month(" 2026-11 ") == date(2026, 11, 1)


def test_spend_needs_a_known_source_and_an_iso_currency():
    assert spend_errors("INSTAGRAM", "JMD", SOURCES) == {}
    assert set(spend_errors("MYSPACE", "XXQ", SOURCES)) == {"source", "currency"}
