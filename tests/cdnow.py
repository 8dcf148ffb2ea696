"""The CDNOW sample (tests/data/README.md) summarised as the 2005 BG/NBD paper does: weeks,
one transaction per customer-day, a 39-week calibration from 1997-01-01 and the 39 weeks after
as holdout. Shared by the validation tests and bench/insights.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

DATA = Path(__file__).parent / "data" / "cdnow_sample.txt"
START = date(1997, 1, 1)
CALIBRATION_END = date(1997, 9, 30)  # 39 weeks
HOLDOUT_WEEKS = 39

# Published maximum-likelihood estimates.
BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005a)
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}  # Fader, Hardie & Lee (2005b), "RFM and CLV"


@dataclass(frozen=True)
class Cdnow:
    frequency: np.ndarray  # repeat transactions in the calibration period
    recency: np.ndarray  # weeks from first to last transaction
    age: np.ndarray  # weeks from first transaction to the end of calibration (T)
    repeat_mean: np.ndarray  # mean dollars of the repeat transactions (NaN without)
    holdout: np.ndarray  # transactions in the holdout weeks


def load() -> Cdnow:
    days: dict[tuple[int, date], float] = {}
    for line in DATA.read_text().splitlines():
        _, customer, day, _, amount = line.split()
        key = (int(customer), date(int(day[:4]), int(day[4:6]), int(day[6:])))
        days[key] = days.get(key, 0.0) + float(amount)
    customers = sorted({c for c, _ in days})
    index = {c: i for i, c in enumerate(customers)}
    n = len(customers)
    first, last = np.full(n, 10**6), np.zeros(n, dtype=int)
    count, total, first_amount = np.zeros(n, dtype=int), np.zeros(n), np.zeros(n)
    holdout = np.zeros(n, dtype=int)
    end = (CALIBRATION_END - START).days
    for (customer, day), amount in sorted(days.items(), key=lambda item: item[0][1]):
        i, d = index[customer], (day - START).days
        if d > end:
            holdout[i] += 1
            continue
        if count[i] == 0:
            first[i], first_amount[i] = d, amount
        last[i], count[i], total[i] = d, count[i] + 1, total[i] + amount
    frequency = count - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        repeat_mean = np.where(frequency > 0, (total - first_amount) / frequency, np.nan)
    return Cdnow(frequency, (last - first) / 7, (end - first) / 7, repeat_mean, holdout)


def holdout_errors(data: Cdnow, predicted: np.ndarray) -> tuple[float, float]:
    """Mean absolute error of the model's holdout predictions and of the naive baseline (the
    customer's calibration rate of repeat purchases carried forward)."""
    naive = data.frequency / data.age * HOLDOUT_WEEKS
    return (
        float(np.mean(np.abs(predicted - data.holdout))),
        float(np.mean(np.abs(naive - data.holdout))),
    )
