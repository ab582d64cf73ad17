"""headroom on Spark: forecast and saturation of a fleet held in a Spark DataFrame.

The rows are grouped by a hash of the series name (``groups`` groups, by default
``spark.sql.shuffle.partitions``), and each group goes through
``groupBy(...).applyInPandas`` to the in-process functions, which run its series
in parallel. Every series is computed whole inside one group, so the answer for a
series is the in-process answer, row for row.

Timestamps go to the groups as epoch seconds (Spark timestamps are instants), and
come back as Spark timestamps; ``toPandas()`` shows them in the session's time
zone, as Spark does. A series that fails is left out, and its warning goes to the
executor's log; ``errors="raise"`` fails the job instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from . import _api
from . import _headroom as _native
from ._headroom import HeadroomError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkFrame
else:
    SparkFrame = Any

_GROUP = "__headroom_group"
_SPARK_TYPES = {"str": "string", "float": "double", "time": "timestamp", "int": "bigint"}


def _columns(sdf: SparkFrame, time_column: Optional[str], series_column: Optional[str], value_column: Optional[str]) -> Tuple[str, str, str]:
    header = list(sdf.columns)
    values = [] if value_column is None else [value_column]
    time_i, series_i, value_is, _ = _native.layout(header, time_column, series_column, values)
    if series_i is None or len(value_is) != 1:
        raise HeadroomError(
            "DataFrame: a Spark DataFrame needs the long layout: a series column and one "
            f"value column (columns: {', '.join(header)})"
        )
    return header[time_i], header[series_i], header[value_is[0]]


def _schema(columns: List[Tuple[str, str]]) -> str:
    return ", ".join(f"`{name}` {_SPARK_TYPES[kind]}" for name, kind in columns)


def _run_group(
    command: str, names: List[str], columns: Tuple[str, str, str], kwargs: Dict[str, Any], pdf: Any
) -> Any:
    """One group on an executor: the in-process function on its rows. A group
    where no series succeeds is an empty result, not an error (see `_api._STRICT`).
    Module-level, so that Spark pickles it by reference."""
    t, s, v = columns
    token = _api._STRICT.set(False)
    try:
        out = getattr(_api, command)(
            pdf.drop(columns=[_GROUP]), time_column=t, series_column=s, value_column=v, **kwargs
        )
    finally:
        _api._STRICT.reset(token)
    return out.reindex(columns=names)


def _apply(
    sdf: SparkFrame,
    command: str,
    result: List[Tuple[str, str]],
    kwargs: Dict[str, Any],
    time_column: Optional[str],
    series_column: Optional[str],
    value_column: Optional[str],
    groups: Optional[int],
) -> SparkFrame:
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    t, s, v = _columns(sdf, time_column, series_column, value_column)
    if groups is None:
        groups = int(sdf.sparkSession.conf.get("spark.sql.shuffle.partitions", "200"))
    if groups < 1:
        raise HeadroomError(f"groups must be at least 1, got {groups}")
    time = F.col(t)
    if isinstance(sdf.schema[t].dataType, TimestampType):
        time = time.cast("double")  # epoch seconds: the instant, whatever the session zone
    frame = sdf.select(
        F.col(s).cast("string").alias(s), time.alias(t), F.col(v).alias(v)
    ).withColumn(_GROUP, F.abs(F.hash(F.col(s))) % groups)
    names = [name for name, _ in result]

    def run(pdf: Any) -> Any:  # a plain function, as applyInPandas expects
        return _run_group(command, names, (t, s, v), kwargs, pdf)

    return frame.groupBy(_GROUP).applyInPandas(run, _schema(result))


def forecast(
    sdf: SparkFrame,
    horizon: _api.Span,
    *,
    seasons: Any = None,
    levels: Any = (80.0, 95.0),
    model: str = "auto",
    intervals: str = "auto",
    bounds: Any = "auto",
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: Optional[str] = None,
    gaps: str = "auto",
    step: Optional[_api.Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    errors: str = "warn",
    groups: Optional[int] = None,
) -> SparkFrame:
    """:func:`headroom.forecast` on a Spark DataFrame in the long layout; returns a
    Spark DataFrame with the same columns (unordered, as Spark results are)."""
    kwargs = dict(
        horizon=horizon, seasons=seasons, levels=levels, model=model, intervals=intervals,
        bounds=bounds, gaps=gaps, step=step, agg=agg, rate=rate, duplicates=duplicates,
        errors=errors,
    )
    columns = _native.result_columns("forecast", _api._levels(levels))
    return _apply(sdf, "forecast", columns, kwargs, time_column, series_column, value_column, groups)


def saturation(
    sdf: SparkFrame,
    capacity: Optional[_api.Capacity] = None,
    *,
    capacities: Any = None,
    direction: str = "up",
    horizon: Optional[_api.Span] = None,
    by: Optional[_api.Deadline] = None,
    need_until: Optional[_api.Deadline] = None,
    risk: float = 0.05,
    paths: int = 2000,
    seed: int = 0x5EED,
    seasons: Any = None,
    levels: Any = (80.0, 95.0),
    model: str = "auto",
    intervals: str = "auto",
    bounds: Any = "auto",
    time_column: Optional[str] = None,
    series_column: Optional[str] = None,
    value_column: Optional[str] = None,
    gaps: str = "auto",
    step: Optional[_api.Span] = None,
    agg: str = "mean",
    rate: bool = False,
    duplicates: str = "refuse",
    errors: str = "warn",
    groups: Optional[int] = None,
) -> SparkFrame:
    """:func:`headroom.saturation` on a Spark DataFrame in the long layout; returns
    a Spark DataFrame with the same columns, most urgent first (ordered as
    :func:`headroom.saturation` ranks them). ``capacities`` is a mapping or a
    pandas/polars frame (it is sent to every group)."""
    if capacity is None and capacities is None:
        raise HeadroomError("capacity or capacities is required")
    if capacities is not None and not isinstance(capacities, dict):
        table, path = _api._capacities(capacities)
        capacities = table if table is not None else path
    kwargs = dict(
        capacity=capacity, capacities=capacities, direction=direction, horizon=horizon, by=by,
        need_until=need_until, risk=risk, paths=paths, seed=seed, seasons=seasons,
        levels=levels, model=model, intervals=intervals, bounds=bounds, gaps=gaps, step=step,
        agg=agg, rate=rate, duplicates=duplicates, errors=errors,
    )
    columns = _native.result_columns("saturation")
    if by is not None:
        columns.append(("probability_by", "float"))
    if need_until is not None:
        columns.append(("capacity_needed", "float"))
    result = _apply(sdf, "saturation", columns, kwargs, time_column, series_column, value_column, groups)
    return result.orderBy(*_urgency(result))


def _urgency(result: SparkFrame) -> List[Any]:
    """The order of ``headroom.saturation.rank`` as Spark sort keys: saturated,
    crossing, possible, clear; within a status by saturation_at, then
    earliest_at (empty ones last), then the higher probability, then the name
    (a test holds the two to the same order)."""
    from pyspark.sql import functions as F

    status = (
        F.when(F.col("status") == "saturated", 0)
        .when(F.col("status") == "crossing", 1)
        .when(F.col("status") == "possible", 2)
        .otherwise(3)
    )
    return [
        status.asc(),
        F.col("saturation_at").asc_nulls_last(),
        F.col("earliest_at").asc_nulls_last(),
        F.col("probability").desc(),
        F.col("series").asc(),
    ]


__all__: Sequence[str] = ["forecast", "saturation"]
