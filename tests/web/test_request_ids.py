"""Every 5xx carries the request id, also when the app fails outside its error pages."""

from __future__ import annotations

import logging

import pytest

from portal import errors


@pytest.fixture
def failing_app(app, make_app, monkeypatch):
    """An app whose view fails and whose error page fails too, as production runs it."""
    failing = make_app(PROPAGATE_EXCEPTIONS=False)

    @failing.get("/boom")
    def boom():
        raise RuntimeError("boom")

    def broken_error_page(*_args, **_kwargs):
        raise RuntimeError("the error page failed too")

    monkeypatch.setattr(errors, "error_response", broken_error_page)
    return failing


def test_a_failing_error_page_still_answers_500_with_a_logged_request_id(failing_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert request_id in response.text
    assert "boom" not in response.text
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_every_answer_carries_a_request_id(client):
    for url in ("/", "/static/nothing.css", "/api/v1/nothing"):
        assert client.get(url).headers["X-Request-Id"]
