"""The buy-till-you-die models from pymc-marketing, fitted by maximum likelihood and applied to
arrays of customers: BG/NBD (Fader, Hardie & Lee 2005) for expected orders and P(alive),
Gamma-Gamma (Fader & Hardie 2013) for the spend per order.

Flat priors make the MAP the maximum-likelihood estimate the papers report, and MAP takes
seconds where MCMC would take the night. Time is in days; amounts in major units of one
currency (Gamma-Gamma is fitted per currency, never across them).
"""

from __future__ import annotations

import functools
import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

with warnings.catch_warnings():
    # arviz announces its 1.0 migration on import; nothing for us to act on.
    warnings.simplefilter("ignore", FutureWarning)
    warnings.simplefilter("ignore", UserWarning)
    import arviz as az
    import xarray
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel
    from pymc_marketing.clv.utils import customer_lifetime_value

BG_NBD_PARAMS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMS = ("p", "q", "v")
# A fit on this many customers estimates four population parameters as well as one on all of
# them, in a fraction of the time; the sample is seeded so a refresh is reproducible.
FIT_SAMPLE = 200_000
# Gamma-Gamma needs q > 1 for a finite mean spend, and enough repeat customers to estimate it.
MIN_REPEAT_CUSTOMERS = 30
DAYS_PER_MONTH = 365.25 / 12


class NotConverged(Exception):
    """The optimiser ended without a usable maximum; the previous scores stand."""


@dataclass(frozen=True)
class Fitted:
    """Parameters of a converged fit."""

    params: dict[str, float]


def _quiet_logs() -> None:
    for name in ("pymc", "pymc.stats.convergence", "pytensor"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _check(params: dict[str, float], model: object) -> Fitted:
    """Finite and positive. Very large values are a boundary, not a failure: BG/NBD's a and b
    grow without bound when nobody drops out, Gamma-Gamma's q and v when every customer has
    the same mean spend; the predictions stay finite (the limits are those simpler models)."""
    if not all(math.isfinite(v) and v > 0 for v in params.values()):
        raise NotConverged(f"{type(model).__name__}: parameters out of range {params}")
    return Fitted(params)


def _map(model, data: pd.DataFrame, names: tuple[str, ...]) -> dict[str, float]:
    _quiet_logs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(data=data, method="map", progressbar=False)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
            raise NotConverged(f"{type(model).__name__}: {error}") from error
    return {name: float(model.fit_result[name].values.ravel()[0]) for name in names}


def fit_bg_nbd(frequency, recency, age, *, seed: int = 0) -> Fitted:
    """Maximum-likelihood BG/NBD on repeat-order counts, recency and age (days)."""
    data = _frame(frequency=frequency, recency=recency, T=age)
    if len(data) > FIT_SAMPLE:
        data = data.sample(FIT_SAMPLE, random_state=seed)
        data["customer_id"] = np.arange(len(data))
    if len(data) < 2 or not (data["frequency"] > 0).any():
        raise NotConverged("BG/NBD: no repeat orders to learn from")
    model = BetaGeoModel(model_config={name: Prior("HalfFlat") for name in BG_NBD_PARAMS})
    return _check(_map(model, data, BG_NBD_PARAMS), model)


def fit_gamma_gamma(frequency, mean_spend) -> Fitted:
    """Maximum-likelihood Gamma-Gamma on the repeat customers' mean spend per repeat order."""
    data = _frame(frequency=frequency, monetary_value=mean_spend)
    data = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    if len(data) < MIN_REPEAT_CUSTOMERS:
        raise NotConverged(f"Gamma-Gamma: {len(data)} repeat customers are too few")
    if len(data) > FIT_SAMPLE:
        data = data.sample(FIT_SAMPLE, random_state=0)
    model = GammaGammaModel()
    fitted = _check(_map(model, data, GAMMA_GAMMA_PARAMS), model)
    if fitted.params["q"] <= 1:
        raise NotConverged(f"Gamma-Gamma: q = {fitted.params['q']:.3f} leaves the mean infinite")
    return fitted


def _frame(**columns) -> pd.DataFrame:
    data = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()})
    data.insert(0, "customer_id", np.arange(len(data)))
    return data


def _bg_nbd(fitted: Fitted) -> BetaGeoModel:
    return _bg_nbd_of(tuple(sorted(fitted.params.items())))


@functools.lru_cache(maxsize=4)
def _bg_nbd_of(params: tuple[tuple[str, float], ...]) -> BetaGeoModel:
    """A BG/NBD model carrying fitted parameters, for the library's predictions; built once
    per fit (building a PyMC model costs more than scoring a chunk)."""
    fitted = Fitted(dict(params))
    model = BetaGeoModel(model_config={name: Prior("HalfFlat") for name in BG_NBD_PARAMS})
    # The predictions read the (covariate-free) coordinates of a built model; two rows build it.
    model.build_model(_frame(frequency=[0, 1], recency=[0, 1], T=[1, 2]))
    model.idata = _posterior(fitted)
    return model


def _posterior(fitted: Fitted) -> az.InferenceData:
    return az.InferenceData(
        posterior=xarray.Dataset(
            {k: (("chain", "draw"), np.array([[v]])) for k, v in fitted.params.items()}
        )
    )


def expected_orders(fitted: Fitted, frequency, recency, age, days) -> np.ndarray:
    """Expected orders in the next `days` (scalar or per customer)."""
    model = _bg_nbd(fitted)
    data = _frame(frequency=frequency, recency=recency, T=age)
    return _values(model.expected_purchases(data=data, future_t=days))


def probability_alive(fitted: Fitted, frequency, recency, age) -> np.ndarray:
    model = _bg_nbd(fitted)
    data = _frame(frequency=frequency, recency=recency, T=age)
    return _values(model.expected_probability_alive(data=data))


def expected_spend(fitted: Fitted, frequency, mean_spend) -> np.ndarray:
    """Expected spend per future order: the customer's mean shrunk towards the population's."""
    model = GammaGammaModel()
    model.idata = _posterior(fitted)
    data = _frame(frequency=frequency, monetary_value=np.nan_to_num(mean_spend))
    return _values(model.expected_customer_spend(data=data))


def lifetime_value(
    orders: Fitted, frequency, recency, age, spend, *, months: int, monthly_discount: float
) -> np.ndarray:
    """Discounted value of the next `months`: each month's expected orders times expected spend,
    discounted to today (the library's customer_lifetime_value, month by month)."""
    model = _bg_nbd(orders)
    data = _frame(frequency=frequency, recency=recency, T=age)
    data["future_spend"] = spend
    return _values(
        customer_lifetime_value(
            model, data, future_t=months, discount_rate=monthly_discount, time_unit="D"
        )
    )


def _values(array) -> np.ndarray:
    return np.asarray(array).reshape(-1)
