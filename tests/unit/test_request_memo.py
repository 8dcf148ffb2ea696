"""Per-request reads stay with their request, even when one app context spans many (tests,
commands): a segment or a dashboard's sums read by one request never reach the next."""

from portal.request_memo import request_memo


def test_each_request_has_its_own_memo(app):
    with app.test_request_context("/"):
        request_memo("sums")["k"] = 1
        assert request_memo("sums") == {"k": 1}
        assert request_memo("other") == {}
    with app.test_request_context("/"):
        assert request_memo("sums") == {}


def test_outside_a_request_nothing_is_kept():
    request_memo("sums")["k"] = 1
    assert request_memo("sums") == {}
