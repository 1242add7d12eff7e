"""Combination modes: many signal scores -> one score in [-1, 1], vectorised over closes."""

from __future__ import annotations

import math

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


def _total(values: list[float]) -> float:
    """Left-to-right sum from 0.0: numpy's order for a (k, 1) column (0.0 + -0.0 is 0.0)."""
    total = 0.0
    for v in values:
        total += v
    return total


def combine_one(scores: list[float], weights: list[float], mode: str,
                threshold: float) -> float:
    """``combine_scores`` at one close (the live path), on plain floats: the same operations
    in the same order, so the same bits (tests compare the two on awkward inputs)."""
    if mode not in ("weighted_sum", "unanimous", "majority", "any"):
        raise ValueError(f"unknown combination mode {mode!r}")
    opinion = [not math.isnan(x) for x in scores]
    count = sum(opinion)
    if not count:
        return math.nan
    s = [x if has else 0.0 for x, has in zip(scores, opinion, strict=True)]
    if mode == "weighted_sum":
        w = [float(weight) if has else 0.0 for weight, has in zip(weights, opinion, strict=True)]
        den = _total(w)
        return _total([a * b for a, b in zip(s, w, strict=True)]) / den if den > 0 else math.nan
    pos = sum(x > 0 for x in s)
    neg = sum(x < 0 for x in s)
    if mode == "unanimous":
        if pos == 0 and neg == 0:
            return 0.0
        return _total(s) / count if pos == count or neg == count else 0.0
    if mode == "majority":
        if 2 * pos > count:
            return _total([x if x > 0 else 0.0 for x in s]) / max(pos, 1)
        if 2 * neg > count:
            return _total([x if x < 0 else 0.0 for x in s]) / max(neg, 1)
        return 0.0
    hi = lo = s[0]
    for x in s[1:]:  # numpy's maximum/minimum take the later value on a tie (0.0 vs -0.0)
        hi = hi if hi > x else x
        lo = lo if lo < x else x
    if hi >= threshold and lo <= -threshold:
        return 0.0
    return hi if abs(hi) >= abs(lo) else lo


def direction_one(score: float, threshold: float) -> int:
    """``direction_of`` at one close."""
    if math.isnan(score):
        return 0
    if score <= -threshold:  # checked last by direction_of, so it wins a tie
        return -1
    return 1 if score >= threshold else 0
