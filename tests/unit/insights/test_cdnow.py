"""The models reproduce the published CDNOW estimates and beat the naive baseline on the
holdout (tests/data/README.md: the data and its source)."""

from __future__ import annotations

import pytest

from portal.insights import clv
from tests import cdnow

TOLERANCE = 0.02


@pytest.fixture(scope="module")
def data() -> cdnow.Cdnow:
    return cdnow.load()


def test_the_sample_is_the_papers(data):
    assert len(data.frequency) == 2357
    assert int(data.frequency.sum()) == 2457  # repeat transactions in calibration
    assert int((data.frequency > 0).sum()) == 946


@pytest.fixture(scope="module")
def bg_nbd(data) -> clv.Fitted:
    return clv.fit_bg_nbd(data.frequency, data.recency, data.age)


def test_bg_nbd_matches_the_paper(bg_nbd):
    for name, published in cdnow.BG_NBD.items():
        assert bg_nbd.params[name] == pytest.approx(published, rel=TOLERANCE), name


def test_gamma_gamma_matches_the_note(data):
    fitted = clv.fit_gamma_gamma(data.frequency, data.repeat_mean)
    for name, published in cdnow.GAMMA_GAMMA.items():
        assert fitted.params[name] == pytest.approx(published, rel=TOLERANCE), name


def test_holdout_beats_the_naive_baseline_by_a_fifth(data, bg_nbd):
    predicted = clv.expected_orders(
        bg_nbd, data.frequency, data.recency, data.age, cdnow.HOLDOUT_WEEKS
    )
    model, naive = cdnow.holdout_errors(data, predicted)
    print(f"holdout MAE: BG/NBD {model:.3f}, naive {naive:.3f}")
    assert model <= 0.8 * naive
