"""Combination modes: many signal scores -> one score in [-1, 1], vectorised over closes."""

from __future__ import annotations

import numpy as np


def combine_scores(scores: np.ndarray, weights: np.ndarray, mode: str,
                   threshold: float) -> np.ndarray:
    """``scores`` is (n_signals, n); NaN means no opinion. Returns the combined score (NaN
    where no signal has an opinion)."""
    opinion = ~np.isnan(scores)
    count = opinion.sum(axis=0)
    s = np.where(opinion, scores, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if mode == "weighted_sum":
            w = np.where(opinion, weights[:, None], 0.0)
            den = w.sum(axis=0)
            out = np.where(den > 0, (s * w).sum(axis=0) / den, np.nan)
        elif mode == "unanimous":
            pos = (s > 0).sum(axis=0)
            neg = (s < 0).sum(axis=0)
            mean = s.sum(axis=0) / count
            out = np.where((pos == count) | (neg == count), mean, 0.0)
            out[(pos == 0) & (neg == 0)] = 0.0
        elif mode == "majority":
            pos = (s > 0).sum(axis=0)
            neg = (s < 0).sum(axis=0)
            mean_pos = np.where(s > 0, s, 0.0).sum(axis=0) / np.maximum(pos, 1)
            mean_neg = np.where(s < 0, s, 0.0).sum(axis=0) / np.maximum(neg, 1)
            out = np.where(2 * pos > count, mean_pos, np.where(2 * neg > count, mean_neg, 0.0))
        elif mode == "any":
            hi = s.max(axis=0)
            lo = s.min(axis=0)
            conflict = (hi >= threshold) & (lo <= -threshold)
            out = np.where(np.abs(hi) >= np.abs(lo), hi, lo)
            out[conflict] = 0.0
        else:
            raise ValueError(f"unknown combination mode {mode!r}")
    out = np.asarray(out, dtype=np.float64)
    out[count == 0] = np.nan
    return out


def direction_of(score: np.ndarray, threshold: float) -> np.ndarray:
    """+1 / -1 where |score| reaches the threshold, else 0."""
    d = np.zeros(score.shape, dtype=np.int8)
    ok = ~np.isnan(score)
    d[ok & (score >= threshold)] = 1
    d[ok & (score <= -threshold)] = -1
    return d
