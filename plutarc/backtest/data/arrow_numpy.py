"""Arrow number columns as numpy arrays without pyarrow's ``to_numpy``, which imports pandas
(~0.13 s, on the first parse of a file in a fresh home) to look for pandas extension types
that a candle column never holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa


def numbers(array: pa.Array) -> np.ndarray:
    """A null-free integer or float column as a zero-copy, read-only numpy view (what
    ``to_numpy()`` returns for it); any other column through ``to_numpy`` itself."""
    import pyarrow as pa

    kind = array.type
    if array.null_count or not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        return array.to_numpy(zero_copy_only=False)
    code = "f" if pa.types.is_floating(kind) else "i" if pa.types.is_signed_integer(kind) else "u"
    dtype = np.dtype(f"{code}{kind.bit_width // 8}")
    view = np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                         offset=array.offset * dtype.itemsize)
    view.flags.writeable = False  # Arrow's memory: read-only, as to_numpy gives it
    return view
