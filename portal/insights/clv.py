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
from scipy.special import expit, hyp2f1

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


def fit_bg_nbd(frequency, recency, age, *, seed: int = 0, sample: int = FIT_SAMPLE) -> Fitted:
    """Maximum-likelihood BG/NBD on repeat-order counts, recency and age (days), of `sample`
    customers drawn at random when there are more."""
    data = _frame(frequency=frequency, recency=recency, T=age)
    if len(data) > sample:
        data = data.sample(sample, random_state=seed)
        data["customer_id"] = np.arange(len(data))
    if len(data) < 2 or not (data["frequency"] > 0).any():
        raise NotConverged("BG/NBD: no repeat orders to learn from")
    prior, beta_geo, _ = _library()
    model = beta_geo(model_config={name: prior("HalfFlat") for name in BG_NBD_PARAMS})
    return _check(_map(model, data, BG_NBD_PARAMS), model)


def fit_gamma_gamma(frequency, mean_spend) -> Fitted:
    """Maximum-likelihood Gamma-Gamma on the repeat customers' mean spend per repeat order."""
    data = _frame(frequency=frequency, monetary_value=mean_spend)
    data = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    if len(data) < MIN_REPEAT_CUSTOMERS:
        raise NotConverged(f"Gamma-Gamma: {len(data)} repeat customers are too few")
    if len(data) > FIT_SAMPLE:
        data = data.sample(FIT_SAMPLE, random_state=0)
    model = _library()[2]()
    fitted = _check(_map(model, data, GAMMA_GAMMA_PARAMS), model)
    if fitted.params["q"] <= 1:
        raise NotConverged(f"Gamma-Gamma: q = {fitted.params['q']:.3f} leaves the mean infinite")
    return fitted


@functools.cache
def _library():
    """pymc-marketing, imported when a fit needs it: with PyMC, PyTensor and ArviZ it is most
    of the portal's start-up time, which every web worker and command would pay otherwise."""
    with warnings.catch_warnings():
        # arviz announces its 1.0 migration on import; nothing for us to act on.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        from pymc_extras.prior import Prior
        from pymc_marketing.clv import BetaGeoModel, GammaGammaModel
    return Prior, BetaGeoModel, GammaGammaModel


def _frame(**columns) -> pd.DataFrame:
    data = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()})
    data.insert(0, "customer_id", np.arange(len(data)))
    return data


def expected_orders(fitted: Fitted, frequency, recency, age, days) -> np.ndarray:
    """Expected orders in the next `days` (scalar or per customer): the paper's equation (10),
    as BetaGeoModel.expected_purchases computes it, on plain arrays."""
    r, alpha, a, b = (fitted.params[name] for name in BG_NBD_PARAMS)
    x, t_x, T = _arrays(frequency, recency, age)
    t = np.asarray(days, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ahead = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(
            r + x, b + x, a + b + x - 1, t / (alpha + T + t)
        )
        gone = (x > 0) * (a / (b + x - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x)
        return ahead * (a + b + x - 1) / (a - 1) / (1 + gone)


def probability_alive(fitted: Fitted, frequency, recency, age) -> np.ndarray:
    """P(alive) (Fader, Hardie & Lee 2008), in logs as BetaGeoModel computes it."""
    r, alpha, a, b = (fitted.params[name] for name in BG_NBD_PARAMS)
    x, t_x, T = _arrays(frequency, recency, age)
    odds = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(a / (b + np.maximum(x, 1) - 1))
    return np.where(x == 0, 1.0, expit(-odds))


def expected_spend(fitted: Fitted, frequency, mean_spend) -> np.ndarray:
    """Expected spend per future order: the customer's mean shrunk towards the population's
    (GammaGammaModel.expected_customer_spend)."""
    p, q, v = (fitted.params[name] for name in GAMMA_GAMMA_PARAMS)
    x = np.asarray(frequency, dtype=float)
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * v * p / (q - 1) + weight * np.nan_to_num(mean_spend)


def lifetime_value(
    orders: Fitted, frequency, recency, age, spend, *, months: int, monthly_discount: float
) -> np.ndarray:
    """Discounted value of the next `months`: each month's expected orders times expected spend,
    discounted to today (pymc-marketing's customer_lifetime_value: 30-day months)."""
    value = np.zeros(np.shape(frequency))
    before = 0.0
    for month in range(1, months + 1):
        by_then = expected_orders(orders, frequency, recency, age, 30 * month)
        with np.errstate(invalid="ignore"):  # not finite: the caller refuses the fit
            value += spend * (by_then - before) / (1 + monthly_discount) ** month
        before = by_then
    return value


def _arrays(*columns) -> list[np.ndarray]:
    return [np.asarray(column, dtype=float) for column in columns]
