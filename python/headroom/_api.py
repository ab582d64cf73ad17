"""The commands as functions: DataFrame in, the command's table out.

Every keyword argument is named after the command line's flag (``--season`` is
``seasons``, ``--level`` is ``levels``, ``--capacities`` is ``capacities``) and
has its default; every function reads the frame as the command line reads a
CSV of the same table, and returns a frame of the kind it was given (pandas or
polars) with the columns of the command's CSV output and UTC timestamps.
"""

from __future__ import annotations

import contextvars
import datetime as _dt
import math
import numbers
import os
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar, Union

from . import _frames
from . import _headroom as _native
from ._headroom import HeadroomError

if TYPE_CHECKING:
    import pandas
    import polars

    Frame = TypeVar("Frame", pandas.DataFrame, polars.DataFrame)
else:
    Frame = TypeVar("Frame")

#: A number of steps (``48``), a duration (``"2d"``, ``"90m"``) or a timedelta.
Span = Union[int, str, _dt.timedelta]
#: A date (``"2025-06-30"``, a datetime) or a span after the last observation.
Deadline = Union[str, _dt.date, _dt.datetime, _dt.timedelta, int]
#: A number in the data's unit, or text with a suffix (``"500G"``, ``"2Ti"``).
Capacity = Union[float, int, str]
#: What a metric can be: ``"auto"`` (inferred: never negative when the history
#: never was, 0-100 or 0-1 for a percentage), ``"none"``, ``"LO,HI"`` or a pair
#: ``(lo, hi)`` with ``None`` for an open side; as ``--bounds``.
Bounds = Union[str, Tuple[Optional[float], Optional[float]], None]

_ERRORS = ("warn", "raise", "ignore")


def _span(value: Any, what: str) -> str:
    """A span as the command line's text."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number of steps, a duration or a timedelta, not bool")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, str):
        return value
    seconds = getattr(value, "total_seconds", None)
    if seconds is not None:
        return f"{seconds()}s"
    raise TypeError(
        f"{what} must be a number of steps, a duration such as '2d' or a timedelta, "
        f"not {type(value).__name__}"
    )


def _spans(value: Any, what: str) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, _dt.timedelta)):
        return [_span(value, what)]
    return [_span(v, what) for v in value]


def _bounds(bounds: Any) -> str:
    """Bounds as ``--bounds`` reads them: ``"auto"``, ``"none"``, ``"LO,HI"``, or
    a pair ``(lo, hi)`` where ``None`` leaves a side open."""
    if isinstance(bounds, str):
        return bounds
    if bounds is None:
        return "none"
    try:
        lo, hi = bounds
    except (TypeError, ValueError):
        raise HeadroomError(
            f"bounds= must be 'auto', 'none', 'LO,HI' or a pair (lo, hi), got {bounds!r}"
        ) from None
    def side(x: Any) -> str:
        if x is None:
            return ""
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise HeadroomError(f"bounds=: {x!r} is not a number")
        return repr(float(x))

    return f"{side(lo)},{side(hi)}"


def _levels(levels: Any) -> List[str]:
    if isinstance(levels, (int, float, str)):
        levels = [levels]
    return [repr(float(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in levels]


def _number_text(value: Any, what: str) -> str:
    """A number or number-with-suffix for the crate's parser; not-a-number is
    left for it to refuse with the command line's message."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number or text such as '500G', not bool")
    if isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number or text such as '500G', not {type(value).__name__}") from None
    return "nan" if math.isnan(number) else repr(number)


def _deadline(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            _frames._warn(f"the date {value} has no time zone; it is taken as UTC")
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return _span(value, "a deadline")


def _capacities(capacities: Any) -> Tuple[Optional[Dict[str, str]], Optional[str]]:
    """A table `{series: capacity}` or the path of a `series,capacity` CSV."""
    if capacities is None:
        return None, None
    if isinstance(capacities, (str, os.PathLike)):
        return None, os.fspath(capacities)
    if isinstance(capacities, Mapping):
        return {str(k): _number_text(v, f"the capacity of {k}") for k, v in capacities.items()}, None
    kind = _frames.kind_of(capacities)
    names = [str(c) for c in capacities.columns]
    if "capacity" not in names or not ({"series", "unique_id"} & set(names)):
        raise HeadroomError(
            "capacities: expected columns series and capacity, got " + ", ".join(names)
        )
    key = "series" if "series" in names else "unique_id"
    if kind == "pandas":
        pairs = zip(capacities[key].tolist(), capacities["capacity"].tolist())
    else:
        pairs = zip(capacities[key].to_list(), capacities["capacity"].to_list())
    return {str(k): _number_text(v, f"the capacity of {k}") for k, v in pairs}, None


#: False inside a Spark group: a group where no series succeeded is an empty
#: result there, not an exception (the other groups hold the rest of the fleet).
_STRICT: contextvars.ContextVar[bool] = contextvars.ContextVar("headroom_strict", default=True)


def _run(command: str, df: Any, input: Dict[str, Any], errors: str, *args: Any) -> Any:
    """Read `df`, run the native `command` on it, report and convert back."""
    if errors not in _ERRORS:
        raise ValueError(f"errors must be one of {', '.join(_ERRORS)}, got {errors!r}")
    batch, kind = _frames.read(df, **input)
    columns, ok, failed, notes = getattr(_native, command)(batch, *args)
    _frames.report(ok if _STRICT.get() else max(ok, 1), failed, notes, errors)
    return _frames.to_frame(columns, kind)


def _input(
    time_column: Optional[str],
    series_column: Optional[str],
    value_column: "str | Sequence[str] | None",
    gaps: str,
    step: Optional[Span],
    agg: str,
    rate: bool,
    duplicates: str = "refuse",
) -> Dict[str, Any]:
    return dict(
        time_column=time_column,
        series_column=series_column,
        value_column=value_column,
        gaps=gaps,
        step=None if step is None else _span(step, "step"),
        agg=agg,
        rate=rate,
        duplicates=duplicates,
    )


def inspect(
    df: Frame,
    *,
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: "str | Sequence[str] | None" = None,
    gaps: str = "auto",
    step: Optional[Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    errors: str = "warn",
) -> Frame:
    """What was read, one row per series (``headroom inspect``).

    Columns: ``series, points, first_timestamp, last_timestamp, step_seconds,
    missing, duplicates, min, max, labels``.

    ``df`` is in the long layout (``series, timestamp, value`` or Nixtla's
    ``unique_id, ds, y``; other names through ``time_column``, ``series_column``
    and ``value_column``), or wide (a time column and one column per series).
    ``step``/``agg`` resample every series, ``rate`` reads counters as per-second
    rates. A series whose rows repeat a timestamp on more than 1 % of them is
    refused naming the likely label column (``duplicates="refuse"``; pass
    ``series_column``), unless ``duplicates`` is ``"mean"``, ``"max"`` or
    ``"last"``; a numeric time column is read as the CSV reader reads it
    (decimal years at month starts, epoch seconds only where plausible). Series that fail are reported as :class:`SeriesWarning` (``errors="warn"``),
    raise (``"raise"``) or are left out silently (``"ignore"``); when none succeeds,
    :class:`HeadroomError` is raised.
    """
    return _run("inspect", df, _input(time_column, series_column, value_column, gaps, step, agg, rate, duplicates), errors)


def forecast(
    df: Frame,
    horizon: Span,
    *,
    seasons: "Span | Sequence[Span] | None" = None,
    levels: "float | Sequence[float]" = (80.0, 95.0),
    model: str = "auto",
    intervals: str = "auto",
    bounds: Bounds = "auto",
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: "str | Sequence[str] | None" = None,
    gaps: str = "auto",
    step: Optional[Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    errors: str = "warn",
) -> Frame:
    """Forecast every series with prediction intervals (``headroom forecast``).

    Columns: ``series, timestamp, forecast``, a ``lower_L, upper_L`` pair per
    level in the order given, ``model``; one row per series per future step.

    ``horizon`` and each season are steps (``48``), durations (``"2d"``) or
    timedeltas; without ``seasons`` the periods are detected. ``model`` is
    ``"auto"`` (chosen per series by rolling-origin validation) or a model name;
    ``intervals`` is ``"auto"``, ``"model"`` or ``"conformal"``. ``bounds`` is
    what the metric can be (:data:`Bounds`, as ``--bounds``): the point, the
    intervals and every simulated future stay inside it. Input and
    ``errors`` as in :func:`inspect`.
    """
    return _run(
        "forecast",
        df,
        _input(time_column, series_column, value_column, gaps, step, agg, rate, duplicates),
        errors,
        _span(horizon, "horizon"),
        _spans(seasons, "a season"),
        _levels(levels),
        model,
        intervals,
        _bounds(bounds),
    )


def decompose(
    df: Frame,
    *,
    seasons: "Span | Sequence[Span] | None" = None,
    robust: bool = False,
    seasonal_window: Optional[int] = None,
    trend_window: Optional[int] = None,
    low_pass_window: Optional[int] = None,
    seasonal_degree: Optional[int] = None,
    trend_degree: Optional[int] = None,
    low_pass_degree: Optional[int] = None,
    seasonal_jump: Optional[int] = None,
    trend_jump: Optional[int] = None,
    low_pass_jump: Optional[int] = None,
    inner_iter: Optional[int] = None,
    outer_iter: Optional[int] = None,
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: "str | Sequence[str] | None" = None,
    gaps: str = "auto",
    step: Optional[Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    errors: str = "warn",
) -> Frame:
    """Trend, seasonal components and remainder (``headroom decompose``).

    Columns: ``series, timestamp, value, trend``, one ``seasonal_<S>`` per period
    (in steps), ``remainder``, and ``robust_weight`` with ``robust=True``. One
    season is STL with statsmodels' defaults, several are MSTL; the STL options
    override single settings. Input and ``errors`` as in :func:`inspect`.
    """
    stl = dict(
        seasonal_window=seasonal_window,
        trend_window=trend_window,
        low_pass_window=low_pass_window,
        seasonal_degree=seasonal_degree,
        trend_degree=trend_degree,
        low_pass_degree=low_pass_degree,
        seasonal_jump=seasonal_jump,
        trend_jump=trend_jump,
        low_pass_jump=low_pass_jump,
        inner_iter=inner_iter,
        outer_iter=outer_iter,
    )
    stl = {k: v for k, v in stl.items() if v is not None}
    return _run(
        "decompose",
        df,
        _input(time_column, series_column, value_column, gaps, step, agg, rate, duplicates),
        errors,
        _spans(seasons, "a season"),
        robust,
        stl,
    )


def saturation(
    df: Frame,
    capacity: Optional[Capacity] = None,
    *,
    capacities: "Mapping[str, Capacity] | str | os.PathLike[str] | Any | None" = None,
    direction: str = "up",
    horizon: Optional[Span] = None,
    by: Optional[Deadline] = None,
    need_until: Optional[Deadline] = None,
    risk: float = 0.05,
    paths: int = 2000,
    seed: int = 0x5EED,
    seasons: "Span | Sequence[Span] | None" = None,
    levels: "float | Sequence[float]" = (80.0, 95.0),
    model: str = "auto",
    intervals: str = "auto",
    bounds: Bounds = "auto",
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: "str | Sequence[str] | None" = None,
    gaps: str = "auto",
    step: Optional[Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    errors: str = "warn",
    scenarios: "str | Sequence[str] | None" = None,
    self_check: bool = False,
    pool_history: bool = True,
) -> Frame:
    """When does each series reach its capacity, and how likely is it
    (``headroom saturation``); most urgent first.

    Columns: ``series, capacity, status, last_timestamp, last_value,
    saturation_at, earliest_at, latest_at, probability, p10_at, p50_at, p90_at,
    time_left``, then ``probability_by`` with ``by`` and ``capacity_needed`` with
    ``need_until``.

    Give ``capacity`` (a number in the data's unit, text such as ``"500G"``, a
    multiple of the peak so far such as ``"1.1x"``, or a share of a percent
    metric such as ``"80%"``) or
    ``capacities`` (a mapping ``{series: capacity}``, a DataFrame with columns
    ``series, capacity``, or the path of such a CSV). ``direction`` is ``"up"`` (a
    ceiling) or ``"down"`` (a floor). Without ``horizon`` it looks as far ahead as
    the history reaches back. ``by`` asks the probability of reaching capacity by
    a date or span; ``need_until`` the capacity needed until then at ``risk``.
    ``scenarios`` are what-ifs as ``--scenario`` takes them (``"x1.3 from
    2025-05-01"``, ``"capacity 750G from 2025-06-01"``); with them a last column
    ``scenario`` names the scenario every row answers. ``self_check`` also scores
    each answer on its own history (columns ``trust``, ``trust_skill``), as
    ``--self-check`` does. ``pool_history`` (default true) pools the futures'
    probability with the history's own answer to the question, as
    ``--pool-history`` does; false answers from the futures alone. Input and
    ``errors`` as in :func:`inspect`.
    """
    if capacity is not None and capacities is not None:
        raise HeadroomError("give capacity or capacities, not both")
    table, path = _capacities(capacities)
    if isinstance(paths, bool) or not isinstance(paths, int) or paths < 1:
        raise HeadroomError(f"paths must be a positive number of sample paths, got {paths!r}")
    scenarios = _scenarios(scenarios)
    frame = _run(
        "saturation",
        df,
        _input(time_column, series_column, value_column, gaps, step, agg, rate, duplicates),
        errors,
        None if capacity is None else _number_text(capacity, "capacity"),
        table,
        path,
        direction,
        None if horizon is None else _span(horizon, "horizon"),
        _deadline(by),
        _deadline(need_until),
        _number_text(risk, "risk"),
        paths,
        seed,
        _spans(seasons, "a season"),
        _levels(levels),
        model,
        intervals,
        scenarios,
        _bounds(bounds),
        bool(self_check),
        bool(pool_history),
    )
    return _with_scenario(frame, scenarios)


def _scenarios(scenarios: "str | Sequence[str] | None") -> List[str]:
    """What-ifs as a list of texts (one text is one scenario)."""
    if scenarios is None:
        return []
    if isinstance(scenarios, str):
        return [scenarios]
    return [str(s) for s in scenarios]


def _with_scenario(frame: Any, scenarios: List[str]) -> Any:
    """The frame with a last column naming the scenario, as the CSV has it: the
    scenarios as given (spaces collapsed), joined by ``; ``."""
    if not scenarios:
        return frame
    label = "; ".join(" ".join(s.split()) for s in scenarios)
    if hasattr(frame, "with_columns"):
        import polars as pl

        return frame.with_columns(pl.lit(label, dtype=pl.Utf8).alias("scenario"))
    frame["scenario"] = [label] * len(frame)
    return frame


def backtest(
    df: Frame,
    horizon: Span,
    *,
    seasons: "Span | Sequence[Span] | None" = None,
    levels: "float | Sequence[float]" = (80.0, 95.0),
    model: "str | Sequence[str]" = "auto",
    windows: int = 3,
    bounds: Bounds = "auto",
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: "str | Sequence[str] | None" = None,
    gaps: str = "auto",
    step: Optional[Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    errors: str = "warn",
) -> Frame:
    """Score models by rolling-origin backtests (``headroom backtest``).

    Columns: ``series, model, windows, smape, mase, msis`` and a ``coverage_L``
    per level; one row per series and model, then one per model over all series
    (series ``(all)``). ``model`` is one name or several; seasonal naive is always
    scored beside them as the baseline. ``bounds`` as in :func:`forecast`,
    resolved on each origin's history. Input and ``errors`` as in :func:`inspect`.
    """
    models = [model] if isinstance(model, str) else list(model)
    if isinstance(windows, bool) or not isinstance(windows, int) or windows < 1:
        raise HeadroomError("--windows must be at least 1")
    return _run(
        "backtest",
        df,
        _input(time_column, series_column, value_column, gaps, step, agg, rate, duplicates),
        errors,
        _span(horizon, "horizon"),
        _spans(seasons, "a season"),
        _levels(levels),
        models,
        windows,
        _bounds(bounds),
    )


class PNG(bytes):
    """PNG bytes that a notebook shows inline."""

    def _repr_png_(self) -> bytes:
        return bytes(self)

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Write the image to `path`."""
        with open(path, "wb") as f:
            f.write(self)


def plot(
    df: Frame,
    horizon: Span,
    *,
    series: Optional[str] = None,
    capacity: Optional[Capacity] = None,
    direction: str = "up",
    seasons: "Span | Sequence[Span] | None" = None,
    levels: "float | Sequence[float]" = (80.0, 95.0),
    model: str = "auto",
    intervals: str = "auto",
    bounds: Bounds = "auto",
    width: int = 1280,
    height: int = 720,
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: "str | Sequence[str] | None" = None,
    gaps: str = "auto",
    step: Optional[Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    scenarios: "str | Sequence[str] | None" = None,
    self_check: bool = False,
) -> PNG:
    """One series' forecast chart as :class:`PNG` bytes (``headroom plot``):
    history, forecast with its bands, and with ``capacity`` the capacity line and
    the saturation date. ``series`` picks the series (default: the first, with a
    warning when there are several). ``scenarios`` draw a what-if, as in
    :func:`saturation`; ``self_check`` with ``capacity`` warns when the
    probability did worse than a constant on the series' own history."""
    batch, _ = _frames.read(df, **_input(time_column, series_column, value_column, gaps, step, agg, rate, duplicates))
    png, failed, notes = _native.plot(
        batch,
        series,
        _span(horizon, "horizon"),
        None if capacity is None else _number_text(capacity, "capacity"),
        direction,
        _spans(seasons, "a season"),
        _levels(levels),
        model,
        intervals,
        width,
        height,
        _scenarios(scenarios),
        _bounds(bounds),
        bool(self_check),
    )
    _frames.report(1, failed, notes, "warn")
    return PNG(png)


class Report(str):
    """The capacity report's HTML, which a notebook shows inline."""

    def _repr_html_(self) -> str:
        return str(self)

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Write the page to `path` (UTF-8)."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self)


def report(
    df: Frame,
    capacity: Optional[Capacity] = None,
    *,
    capacities: "Mapping[str, Capacity] | str | os.PathLike[str] | Any | None" = None,
    direction: str = "up",
    horizon: Optional[Span] = None,
    by: Optional[Deadline] = None,
    need_until: Optional[Deadline] = None,
    risk: float = 0.05,
    paths: int = 2000,
    seed: int = 0x5EED,
    scenarios: "str | Sequence[str] | None" = None,
    charts: int = 12,
    trust_windows: int = 3,
    title: str = "Capacity report",
    seasons: "Span | Sequence[Span] | None" = None,
    levels: "float | Sequence[float]" = (80.0, 95.0),
    model: str = "auto",
    intervals: str = "auto",
    bounds: Bounds = "auto",
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: "str | Sequence[str] | None" = None,
    gaps: str = "auto",
    step: Optional[Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    self_check: bool = False,
) -> Report:
    """The capacity report (``headroom report``): one self-contained HTML page
    with the summary sentence, the ranked saturation table, the fleet chart and a
    chart per at-risk series, the saturation backtest ("can you trust this"), the
    cleaning and model per series, and the series that failed with their reasons.

    Options as in :func:`saturation`; ``scenarios`` are what-ifs as the
    ``--scenario`` flag takes them (``"x1.3 from 2025-05-01"``,
    ``"capacity 750G from 2025-06-01"``, ...). Returns the HTML as a
    :class:`Report` (a ``str`` a notebook shows inline; ``.save(path)`` writes it).
    Series that fail are listed in the page and reported as a
    :class:`SeriesWarning`.
    """
    if capacity is not None and capacities is not None:
        raise HeadroomError("give capacity or capacities, not both")
    table, path = _capacities(capacities)
    for name, value in (("paths", paths), ("charts", charts), ("trust_windows", trust_windows)):
        if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "paths" else 0):
            raise HeadroomError(f"{name} must be a whole number{' above 0' if name == 'paths' else ''}, got {value!r}")
    scenarios = _scenarios(scenarios)
    batch, _ = _frames.read(df, **_input(time_column, series_column, value_column, gaps, step, agg, rate, duplicates))
    html, failed, notes = _native.report(
        batch,
        None if capacity is None else _number_text(capacity, "capacity"),
        table,
        path,
        direction,
        None if horizon is None else _span(horizon, "horizon"),
        _deadline(by),
        _deadline(need_until),
        _number_text(risk, "risk"),
        paths,
        seed,
        _spans(seasons, "a season"),
        _levels(levels),
        model,
        intervals,
        scenarios,
        charts,
        trust_windows,
        str(title),
        _bounds(bounds),
        bool(self_check),
    )
    _frames.report(1, failed, notes, "warn")
    return Report(html)
