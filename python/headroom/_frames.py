"""pandas and polars frames to the native batch, and result columns back.

Columns travel to the crate as raw little-endian bytes (numbers, epoch ticks,
series codes) or lists of text; which columns hold time, series and values is
decided by the crate's own layout rules. Nothing here computes on the metrics.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import warnings
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from . import _headroom as _native
from ._headroom import HeadroomError

_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_NAT = np.iinfo(np.int64).min


class HeadroomWarning(UserWarning):
    """What headroom changed or decided on the way (the command line's notes on
    standard error): sorted or merged rows, filled gaps, naive timestamps taken
    as UTC, a fallback period."""


class SeriesWarning(HeadroomWarning):
    """A series that failed alone; the others were returned. ``series`` is its
    name and ``reason`` the command line's message."""

    def __init__(self, series: str, reason: str) -> None:
        super().__init__(reason)
        self.series = series
        self.reason = reason


def kind_of(df: Any) -> str:
    """``"pandas"`` or ``"polars"``; anything else is a TypeError."""
    module = type(df).__module__.split(".")[0]
    if module == "pandas" and type(df).__name__ == "DataFrame":
        return "pandas"
    if module == "polars" and type(df).__name__ == "DataFrame":
        return "polars"
    raise TypeError(
        f"expected a pandas or polars DataFrame, got {type(df).__module__}.{type(df).__name__}"
    )


_HERE = os.path.dirname(os.path.abspath(__file__))


def _warn(message: str, category: Any = HeadroomWarning) -> None:
    """Warn from the caller's line: the first frame outside this package."""
    frame, level = sys._getframe(0), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_HERE):
        frame, level = frame.f_back, level + 1
    warnings.warn(category(message), stacklevel=level)


def read(
    df: Any,
    *,
    time_column: Optional[str],
    series_column: Optional[str],
    value_column: "str | Sequence[str] | None",
    gaps: str,
    step: Optional[str],
    agg: str,
    rate: bool,
    duplicates: str = "refuse",
) -> Tuple[Any, str]:
    """The native batch of a frame, and the frame's kind."""
    kind = kind_of(df)
    header = [str(c) for c in df.columns]
    values = [value_column] if isinstance(value_column, str) else list(value_column or [])
    time_i, series_i, value_is, names = _native.layout(header, time_column, series_column, values)
    column = (lambda i: df.iloc[:, i]) if kind == "pandas" else (lambda i: df.to_series(i))
    convert = _Pandas if kind == "pandas" else _Polars
    time = convert.time(column(time_i), header[time_i])
    series = None if series_i is None else convert.codes(column(series_i))
    value_data = [convert.values(column(i)) for i in value_is]
    batch = _native.Batch(
        header, (time_i, series_i, value_is, names), time, series, value_data, gaps, step, agg, rate,
        duplicates,
    )
    return batch, kind


def _naive(name: str) -> None:
    _warn(f"DataFrame: the timestamps in column {name} have no time zone; they are taken as UTC")


def _i64(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="<i8").tobytes()


def _f64(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, dtype="<f8").tobytes()


def _epoch(a: np.ndarray) -> Tuple[str, bytes, int]:
    """datetime64 values (UTC) as epoch ticks in their own unit; NaT stays NaT."""
    unit, count = np.datetime_data(a.dtype)
    if unit not in _PER_SECOND or count != 1:
        a = a.astype("datetime64[ns]")
        unit = "ns"
    return ("datetime", _i64(a.view("i8")), _PER_SECOND[unit])


def _null(v: Any) -> bool:
    """None, NaN, NaT or pandas' NA (whose comparisons are not booleans)."""
    if v is None or (isinstance(v, float) and v != v):
        return True
    return type(v).__name__ in ("NAType", "NaTType")


def _texts(items: Sequence[Any]) -> List[Optional[str]]:
    return [None if _null(v) else str(v) for v in items]


class _Pandas:
    @staticmethod
    def time(s: Any, name: str) -> Tuple[str, Any, int]:
        import pandas as pd

        if isinstance(s.dtype, pd.DatetimeTZDtype):
            return _epoch(s.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy())
        if pd.api.types.is_datetime64_dtype(s.dtype):
            _naive(name)
            return _epoch(s.to_numpy())
        if pd.api.types.is_bool_dtype(s.dtype):
            raise HeadroomError(
                f"DataFrame: the timestamp column {name} has type bool; "
                "expected datetime, string or Unix seconds"
            )
        if pd.api.types.is_integer_dtype(s.dtype) and not s.hasnans:
            return ("int", _i64(s.to_numpy(dtype="int64")), 1)
        if pd.api.types.is_numeric_dtype(s.dtype):
            return ("float", _f64(s.to_numpy(dtype="float64", na_value=np.nan)), 1)
        items = s.tolist()
        present = [v for v in items if not _null(v)]
        if all(isinstance(v, str) for v in present):
            return ("str", _texts(items), 1)
        if all(isinstance(v, _dt.date) and not isinstance(v, _dt.datetime) for v in present):
            return ("str", _texts(items), 1)  # dates are UTC midnights, as in CSV
        try:
            parsed = pd.to_datetime(s)
        except (ValueError, TypeError):
            parsed = pd.to_datetime(s, utc=True)  # mixed offsets: instants
        return _Pandas.time(parsed, name)

    @staticmethod
    def codes(s: Any) -> Tuple[bytes, List[str]]:
        import pandas as pd

        codes, uniques = pd.factorize(s)
        return _i64(codes), [str(u) for u in uniques]

    @staticmethod
    def values(s: Any) -> Tuple[str, Any]:
        import pandas as pd

        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            return ("float", _f64(s.to_numpy(dtype="float64", na_value=np.nan)))
        return ("str", _texts(s.tolist()))


class _Polars:
    @staticmethod
    def time(s: Any, name: str) -> Tuple[str, Any, int]:
        import polars as pl

        dtype = s.dtype
        if dtype == pl.Datetime:
            if getattr(dtype, "time_zone", None) is None:
                _naive(name)
            unit = getattr(dtype, "time_unit", None) or "us"
            ticks = s.to_physical().fill_null(_NAT).to_numpy()
            return ("datetime", _i64(ticks), _PER_SECOND[unit])
        if dtype == pl.Date:
            return ("str", s.cast(pl.String).to_list(), 1)  # UTC midnights, as in CSV
        if dtype == pl.Boolean:
            raise HeadroomError(
                f"DataFrame: the timestamp column {name} has type bool; "
                "expected datetime, string or Unix seconds"
            )
        if dtype.is_integer() and s.null_count() == 0:
            return ("int", _i64(s.cast(pl.Int64).to_numpy()), 1)
        if dtype.is_numeric():
            return ("float", _f64(s.cast(pl.Float64).fill_null(np.nan).to_numpy()), 1)
        return ("str", _texts(s.cast(pl.String).to_list()), 1)

    @staticmethod
    def codes(s: Any) -> Tuple[bytes, List[str]]:
        import polars as pl

        s = s.cast(pl.String)
        # Dense ranks number the distinct names in sorted order, as sort() lists them.
        codes = (s.rank("dense").cast(pl.Int64) - 1).fill_null(-1).to_numpy()
        return _i64(codes), s.drop_nulls().unique().sort().to_list()

    @staticmethod
    def values(s: Any) -> Tuple[str, Any]:
        import polars as pl

        if s.dtype.is_numeric():
            return ("float", _f64(s.cast(pl.Float64).fill_null(np.nan).to_numpy()))
        return ("str", _texts(s.cast(pl.String).to_list()))


def _strings(data: Tuple[bytes, List[str]]) -> np.ndarray:
    codes = np.frombuffer(data[0], dtype="<i4")
    table = np.asarray(list(data[1]) + [None], dtype=object)
    return table[codes]  # -1 picks the None at the end


def to_frame(columns: List[Tuple[str, str, Any]], kind: str) -> Any:
    """A frame of `kind` from the native result columns; timestamps are UTC."""
    if kind == "pandas":
        import pandas as pd

        data = {}
        for name, k, payload in columns:
            if k == "str":
                data[name] = _strings(payload)
            elif k == "float":
                data[name] = np.frombuffer(payload, dtype="<f8")
            elif k == "int":
                data[name] = np.frombuffer(payload, dtype="<i8")
            else:
                times = np.frombuffer(payload, dtype="<i8").view("datetime64[us]")
                data[name] = pd.DatetimeIndex(times).tz_localize("UTC")
        return pd.DataFrame(data)
    import polars as pl

    series = []
    for name, k, payload in columns:
        if k == "str":
            series.append(pl.Series(name, _strings(payload), dtype=pl.String))
        elif k == "float":
            series.append(pl.Series(name, np.frombuffer(payload, dtype="<f8"), nan_to_null=True))
        elif k == "int":
            series.append(pl.Series(name, np.frombuffer(payload, dtype="<i8")))
        else:
            ticks = np.frombuffer(payload, dtype="<i8")
            s = pl.Series(name, ticks, dtype=pl.Int64)
            nat = np.flatnonzero(ticks == _NAT)
            if len(nat):
                s = s.scatter(nat, None)
            series.append(s.cast(pl.Datetime("us", "UTC")))
    return pl.DataFrame(series)


def report(ok: int, failed: List[Tuple[str, str]], notes: List[str], errors: str) -> None:
    """Notes and failures as warnings (or an exception), as the command line
    prints them on standard error; nothing done at all is an exception."""
    for note in notes:
        _warn(note)
    if failed and (ok == 0 or errors == "raise"):
        lines = "\n".join(message for _, message in failed)
        what = "nothing could be done" if ok == 0 else f"{len(failed)} series failed"
        raise HeadroomError(f"{what}:\n{lines}" if len(failed) > 1 else lines)
    if errors == "warn":
        for series, message in failed:
            _warn(message, lambda m, s=series: SeriesWarning(s, m))
