"""headroom.spark on a real Spark in local mode: the answer for a few hundred
series equals the in-process answer, row for row."""

import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import headroom
from conftest import fleet

SERIES = 300


def _java_ok():
    java = shutil.which("java") or (os.environ.get("JAVA_HOME") and os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    if not java:
        return False
    return subprocess.run([java, "-version"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def spark():
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession
    except ImportError as e:
        pytest.skip(f"SKIPPED: pyspark cannot be imported ({e})")
    if not _java_ok():
        pytest.skip("SKIPPED: no Java runtime for Spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("headroom-test")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def many():
    return fleet(n=SERIES, days=14, seed=11)


def utc(frame, columns):
    for c in columns:
        frame[c] = pd.to_datetime(frame[c]).dt.tz_localize("UTC").dt.as_unit("us")
    return frame


def test_spark_forecast_equals_in_process(spark, many):
    kwargs = dict(horizon="1d", seasons=24)
    expected = headroom.forecast(many, **kwargs).sort_values(["series", "timestamp"], ignore_index=True)
    got = headroom.spark.forecast(spark.createDataFrame(many), **kwargs).toPandas()
    got = utc(got, ["timestamp"]).sort_values(["series", "timestamp"], ignore_index=True)
    assert len(expected) == SERIES * 24
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)


def test_spark_saturation_equals_in_process_in_rank_order(spark, many):
    kwargs = dict(capacity=330, horizon="7d", seasons=24, by="3d")
    expected = headroom.saturation(many, **kwargs)
    got = headroom.spark.saturation(spark.createDataFrame(many), groups=7, **kwargs).toPandas()
    got = utc(got, ["last_timestamp", "saturation_at", "earliest_at", "latest_at", "p10_at", "p50_at", "p90_at"])
    assert len(expected) == SERIES and "crossing" in set(expected["status"])
    assert set(expected["status"]) <= {"saturated", "crossing", "possible", "clear"}
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)


def test_spark_failed_series_are_left_out(spark, many):
    short = pd.DataFrame({"series": "tiny", "timestamp": many["timestamp"].iloc[:1], "value": [1.0]})
    sdf = spark.createDataFrame(pd.concat([many[many["series"] < "s004"], short], ignore_index=True))
    got = headroom.spark.forecast(sdf, horizon=6, seasons=24, model="naive", groups=1).toPandas()
    assert sorted(got["series"].unique()) == ["s000", "s001", "s002", "s003"]
    with pytest.raises(Exception, match="cannot infer a step"):
        headroom.spark.forecast(sdf, horizon=6, seasons=24, model="naive", errors="raise").collect()
