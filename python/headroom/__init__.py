"""headroom: capacity planning for metric series, from Python.

The commands of the ``headroom`` command line as functions over pandas or polars
DataFrames, computed by the Rust crate (the GIL is released and series run in
parallel)::

    import headroom
    fc = headroom.forecast(df, horizon="7d", seasons="1d")
    sat = headroom.saturation(df, capacity="500G", horizon="30d")
    headroom.plot(df, horizon="30d", capacity="500G", series="db-01")  # inline PNG
    headroom.report(df, capacity="500G", horizon="30d")  # inline HTML page

Input is the long layout (``series, timestamp, value``, or Nixtla's
``unique_id, ds, y``) or the wide one, read as the command line reads the same
table as CSV. Output is a frame of the caller's kind with the columns of the
command's CSV output (see the contract) and timezone-aware UTC timestamps.

Problems: a bad option or a frame that cannot be read raises
:class:`HeadroomError` (a ``ValueError``) with the command line's message. A series
that fails alone is left out and reported as a :class:`SeriesWarning` (or raises
with ``errors="raise"``); what the command line notes on standard error (sorted,
merged or filled rows, naive timestamps taken as UTC) is a
:class:`HeadroomWarning`. ``headroom.spark`` runs forecast and saturation on
Spark DataFrames.
"""

from . import spark
from ._api import PNG, Report, backtest, decompose, forecast, inspect, plot, report, saturation
from ._frames import HeadroomWarning, SeriesWarning
from ._headroom import HeadroomError, __version__

__all__ = [
    "HeadroomError",
    "HeadroomWarning",
    "PNG",
    "Report",
    "SeriesWarning",
    "__version__",
    "backtest",
    "decompose",
    "forecast",
    "inspect",
    "plot",
    "report",
    "saturation",
    "spark",
]
