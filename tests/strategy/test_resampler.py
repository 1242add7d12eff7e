import numpy as np

from plutarc.strategy.resampler import StreamingResampler
from plutarc.strategy.series import resample
from tests.helpers import real_bars


def _equal(a, b):
    for f in ("ts_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))


def test_streaming_equals_batch_resample_on_real_data():
    bars = real_bars(3000)
    for target in (5 * 60_000, 3_600_000, 4 * 3_600_000):
        whole = resample(bars, target)
        one_shot = StreamingResampler(60_000, target).update(bars)
        stepper = StreamingResampler(60_000, target)
        parts = [stepper.update(bars.slice(i, i + 1)) for i in range(len(bars))]
        stepped = parts[0]
        for p in parts[1:]:
            stepped = stepped.concat(p)
        _equal(whole, one_shot)
        _equal(whole, stepped)


def test_incomplete_trailing_group_is_discarded_and_gap_closes_group():
    bars = real_bars(130)  # 2 full hours and 10 minutes
    hourly = StreamingResampler(60_000, 3_600_000).update(bars)
    assert len(hourly) == 2
    # remove the last minute of hour 0: the hour closes when hour 1 starts
    gapped = bars.slice(0, 59).concat(bars.slice(60, 61))
    r = StreamingResampler(60_000, 3_600_000)
    out = r.update(gapped)
    assert len(out) == 1 and out.close[0] == bars.close[58]
