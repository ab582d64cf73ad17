"""Fleet benchmark of the Python package, in one run:

* the crate's own time (prepare and forecast, or saturation, of every series,
  timed inside the native module with no frame conversion) as the reference;
* the same through the Python API (pandas frame in, pandas frame out), whose
  overhead over the crate must stay under 10 %;
* statsforecast's MSTL (AutoETS trend, its default) with n_jobs=2 on the same
  frame, where statsforecast is installed;
* the same through Spark in local mode (headroom.spark), where pyspark and Java are.

    python3 python/benches/fleet.py [--series 10000] [--days 90] [--horizon 168]
        [--model auto] [--skip statsforecast,spark] [--out results.json]

Timings on a shared machine are noisy; the ratios in one run are what to read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import pandas as pd

import headroom
from headroom import _frames
from headroom import _headroom as native


def fleet(n: int, days: int, seed: int = 1) -> pd.DataFrame:
    """`n` hourly series over `days` days: a level, growth, daily and weekly
    cycles of random sizes, and noise."""
    rng = np.random.default_rng(seed)
    steps = 24 * days
    t = np.arange(steps)
    level = rng.uniform(100, 1000, n)[:, None]
    growth = rng.uniform(-0.2, 1.0, n)[:, None] * level / steps
    daily = rng.uniform(0, 0.1, n)[:, None] * level * np.sin(2 * np.pi * t / 24)
    weekly = rng.uniform(0, 0.05, n)[:, None] * level * np.sin(2 * np.pi * t / 168)
    noise = rng.normal(0, 1, (n, steps)) * rng.uniform(0.005, 0.03, n)[:, None] * level
    values = level + growth * t + daily + weekly + noise
    start = pd.Timestamp("2024-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "series": np.repeat([f"host-{i:05d}" for i in range(n)], steps),
            "timestamp": np.tile(pd.date_range(start, periods=steps, freq="h"), n),
            "value": values.ravel(),
        }
    )


def timed(label: str, results: dict, work):
    start = time.perf_counter()
    out = work()
    results[label] = round(time.perf_counter() - start, 3)
    print(f"{label:<42} {results[label]:9.2f} s", flush=True)
    return out


def crate(df: pd.DataFrame, horizon: str, model: str, capacity) -> float:
    batch, _ = _frames.read(
        df, time_column=None, series_column=None, value_column=None,
        gaps="interpolate", step=None, agg="mean", rate=False,
    )
    return native.crate_seconds(batch, horizon, [], model, capacity)


def statsforecast_mstl(df: pd.DataFrame, horizon: int) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL

    nixtla = df.rename(columns={"series": "unique_id", "timestamp": "ds", "value": "y"})
    nixtla["ds"] = nixtla["ds"].dt.tz_localize(None)
    sf = StatsForecast(models=[MSTL(season_length=[24, 168])], freq="h", n_jobs=2)
    return sf.forecast(df=nixtla, h=horizon, level=[80, 95])


def spark_session():
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("headroom-bench")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "6g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--series", type=int, default=10_000)
    p.add_argument("--days", type=int, default=90)
    p.add_argument("--horizon", type=int, default=168, help="steps (hours) ahead")
    p.add_argument("--model", default="auto")
    p.add_argument("--skip", default="", help="comma-separated: statsforecast, spark")
    p.add_argument("--out", default=None, help="write the figures as JSON here")
    p.add_argument("--read-only", action="store_true",
                   help="time only reading the frame into the crate's series (the API's input side)")
    a = p.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    capacity = 1500.0
    results: dict = {"series": a.series, "days": a.days, "horizon": a.horizon, "model": a.model,
                     "cpus": os.cpu_count()}
    df = timed("make the frame", results, lambda: fleet(a.series, a.days))
    print(f"{len(df):,} rows, {a.series:,} series of {24 * a.days} hourly points", flush=True)
    h = str(a.horizon)
    timed("python: read the frame into series", results, lambda: _frames.read(
        df, time_column=None, series_column=None, value_column=None,
        gaps="interpolate", step=None, agg="mean", rate=False))
    if a.read_only:
        print(json.dumps(results, indent=2))
        return

    results["crate forecast"] = round(crate(df, h, a.model, None), 3)
    print(f"{'crate forecast':<42} {results['crate forecast']:9.2f} s", flush=True)
    fc = timed("python forecast", results,
               lambda: headroom.forecast(df, horizon=a.horizon, model=a.model, errors="ignore"))
    results["crate saturation"] = round(crate(df, h, a.model, capacity), 3)
    print(f"{'crate saturation':<42} {results['crate saturation']:9.2f} s", flush=True)
    timed("python saturation", results,
          lambda: headroom.saturation(df, capacity=capacity, horizon=a.horizon, model=a.model, errors="ignore"))
    for what in ("forecast", "saturation"):
        overhead = results[f"python {what}"] / results[f"crate {what}"] - 1
        results[f"python {what} overhead"] = round(overhead, 4)
        print(f"python API overhead on {what}: {100 * overhead:+.1f} % (target < 10 %)", flush=True)
    assert fc["series"].nunique() > 0.99 * a.series

    if "statsforecast" not in skip:
        try:
            import statsforecast  # noqa: F401
        except ImportError:
            print("SKIPPED: statsforecast (not installed)")
        else:
            timed("statsforecast MSTL n_jobs=2 forecast", results, lambda: statsforecast_mstl(df, a.horizon))
            results["statsforecast / python forecast"] = round(
                results["statsforecast MSTL n_jobs=2 forecast"] / results["python forecast"], 2)

    if "spark" not in skip:
        try:
            spark = spark_session()
        except Exception as e:  # no pyspark, no Java
            print(f"SKIPPED: spark ({type(e).__name__}: {e})")
        else:
            from pyspark import StorageLevel

            sdf = timed("spark: createDataFrame and cache", results,
                        lambda: spark.createDataFrame(df).persist(StorageLevel.MEMORY_ONLY))
            sdf.count()
            groups = 16  # a few groups per core: rayon parallelises inside each
            timed("spark forecast (local[2])", results, lambda: headroom.spark.forecast(
                sdf, horizon=a.horizon, model=a.model, groups=groups).write.format("noop").mode("overwrite").save())
            timed("spark saturation (local[2])", results, lambda: headroom.spark.saturation(
                sdf, capacity=capacity, horizon=a.horizon, model=a.model, groups=groups
            ).write.format("noop").mode("overwrite").save())
            for what in ("forecast", "saturation"):
                results[f"spark {what} / python {what}"] = round(
                    results[f"spark {what} (local[2])"] / results[f"python {what}"], 2)
            spark.stop()

    print(json.dumps(results, indent=2))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
