"""The models reproduce the published CDNOW estimates and beat the naive baseline on the
holdout (tests/data/README.md: the data and its source)."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def _library_model(model, params: dict[str, float], data):
    """The pymc-marketing model carrying these parameters as a one-draw posterior."""
    import arviz as az
    import xarray

    model.build_model(data)
    model.idata = az.InferenceData(
        posterior=xarray.Dataset(
            {k: (("chain", "draw"), np.array([[v]])) for k, v in params.items()}
        )
    )
    return model


def test_the_closed_form_predictions_are_the_librarys(data, bg_nbd):
    """The refresh scores with numpy expressions of the fitted parameters; they are the
    library's predictions (its xarray alignment costs minutes at a million customers)."""
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel
    from pymc_marketing.clv.utils import customer_lifetime_value

    frame = pd.DataFrame(
        {
            "customer_id": np.arange(len(data.frequency)),
            "frequency": data.frequency,
            "recency": data.recency,
            "T": data.age,
        }
    )
    model = _library_model(BetaGeoModel(), bg_nbd.params, frame)
    ours = clv.expected_orders(bg_nbd, data.frequency, data.recency, data.age, 90)
    theirs = model.expected_purchases(data=frame, future_t=90).values.ravel()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    ours = clv.probability_alive(bg_nbd, data.frequency, data.recency, data.age)
    theirs = model.expected_probability_alive(data=frame).values.ravel()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)

    spend = clv.fit_gamma_gamma(data.frequency, data.repeat_mean)
    repeat_mean = np.nan_to_num(data.repeat_mean)
    spend_frame = frame[["customer_id", "frequency"]].assign(monetary_value=repeat_mean)
    spend_model = _library_model(GammaGammaModel(), spend.params, spend_frame)
    ours = clv.expected_spend(spend, data.frequency, data.repeat_mean)
    theirs = spend_model.expected_customer_spend(data=spend_frame).values.ravel()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)

    ours = clv.lifetime_value(
        bg_nbd, data.frequency, data.recency, data.age, theirs, months=12, monthly_discount=0.01
    )
    theirs = customer_lifetime_value(
        model, frame.assign(future_spend=theirs), future_t=12, discount_rate=0.01, time_unit="D"
    ).values.ravel()
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
