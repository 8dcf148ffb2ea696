"""The one formatter: dates with their zone, money by currency digits, labels for codes."""

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask, render_template_string
from wtforms import SelectChoice

from portal import formatting
from portal.labels import Labelled, choices, humanise, label


class Terms(Labelled):
    NET_30 = "NET_30", "Net 30 days"
    DIASPORA_COMMUNITY = "DIASPORA_COMMUNITY"


@pytest.fixture
def display_app():
    app = Flask(__name__)
    app.config["DISPLAY_TIMEZONE"] = "America/Jamaica"
    formatting.init_app(app)
    return app


MOMENT = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)


def test_dates_and_times_carry_the_display_zone(display_app):
    with display_app.test_request_context(headers={"Accept-Language": "en-GB"}):
        assert formatting.format_datetime(MOMENT) == "2 Dec 2026, 09:05 EST"
        assert formatting.format_date(MOMENT) == "2 Dec 2026"
        assert formatting.format_date(date(2026, 12, 20)) == "20 Dec 2026"
        assert formatting.format_time(MOMENT.replace(tzinfo=None)) == "09:05 EST"
    with display_app.test_request_context(headers={"Accept-Language": "en-US"}):
        assert formatting.format_datetime(MOMENT) == "Dec 2, 2026, 9:05\u202fAM EST"


def test_relative_time_keeps_the_exact_moment_in_its_title(display_app):
    with display_app.test_request_context():
        html = formatting.format_relative(MOMENT - timedelta(hours=3), now=MOMENT)
    assert html.startswith('<time datetime="2026-12-02T11:05:00Z"')
    assert ">3 hours ago</time>" in html


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (123456, "USD", "$1,234.56"),
        (500, "JMD", "JMD5.00"),
        (1234, "JPY", "¥1,234"),
        (1234, "BHD", "BHD1.234"),
        (-250, "EUR", "-€2.50"),
    ],
)
def test_money_uses_the_currencys_digits(display_app, minor, currency, shown):
    with display_app.test_request_context(headers={"Accept-Language": "en-US"}):
        assert formatting.format_money(minor, currency) == shown


def test_numbers_and_percentages_follow_the_locale(display_app):
    with display_app.test_request_context(headers={"Accept-Language": "fr"}):
        assert formatting.format_number(1234567) == "1\u202f234\u202f567"
    with display_app.test_request_context(headers={"Accept-Language": "en-US"}):
        assert formatting.format_number(2.5, digits=1) == "2.5"
        assert formatting.format_percent(0.953, digits=1) == "95.3%"
        assert formatting.format_money(None, "USD") == ""


def test_labels_from_the_enum_or_the_humanised_code(display_app):
    assert label(Terms.NET_30) == "Net 30 days"
    assert label(Terms("DIASPORA_COMMUNITY")) == "Diaspora community"
    assert [humanise(c) for c in ("NET30", "Llc", "Gdpr", "dba_name")] == [
        "Net 30",
        "LLC",
        "GDPR",
        "DBA name",
    ]
    assert label(None) == ""
    assert choices(Terms)[0] == SelectChoice("NET_30", "Net 30 days")
    assert choices(Terms, blank="Any")[0] == SelectChoice("", "Any")
    with display_app.test_request_context():
        assert render_template_string("{{ v|label }}", v=Terms.NET_30) == "Net 30 days"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+18765550104", "+1 876-555-0104"),
        ("+442079460000", "+44 20 7946 0000"),
        ("not a phone", "not a phone"),
        (None, ""),
    ],
)
def test_phones_are_grouped_as_their_country_writes_them(display_app, stored, shown):
    with display_app.test_request_context():
        assert render_template_string("{{ number | phone }}", number=stored) == shown
