"""Every function: the contract's columns, the caller's kind of frame, UTC
timestamps, and the answers of the command line."""

import datetime as dt
import inspect as pyinspect
import os
import subprocess
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import headroom
from headroom import _headroom as native
from conftest import binary, fleet

FORECAST = ["series", "timestamp", "forecast", "lower_80", "upper_80", "lower_95", "upper_95", "model"]
SATURATION = [
    "series", "capacity", "status", "last_timestamp", "last_value", "saturation_at",
    "earliest_at", "latest_at", "probability", "p10_at", "p50_at", "p90_at", "time_left",
]



def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


def test_inspect_counts_what_was_read(disks):
    table = quiet(headroom.inspect, disks)
    assert list(table.columns) == [
        "series", "points", "first_timestamp", "last_timestamp", "step_seconds",
        "missing", "duplicates", "min", "max", "labels",
    ]
    assert table["series"].tolist() == ["s000", "s001", "s002"]
    assert (table["points"] == 24 * 21).all()
    assert (table["step_seconds"] == 3600).all()
    assert str(table["first_timestamp"].dt.tz) == "UTC"
    assert table["first_timestamp"].iloc[0] == pd.Timestamp("2024-03-01", tz="UTC")


def test_forecast_columns_order_and_bands(disks):
    fc = quiet(headroom.forecast, disks, horizon=48, seasons=24)
    assert list(fc.columns) == FORECAST
    assert fc.groupby("series", sort=False).size().to_dict() == {"s000": 48, "s001": 48, "s002": 48}
    assert str(fc["timestamp"].dt.tz) == "UTC"
    assert fc["timestamp"].iloc[0] == pd.Timestamp("2024-03-22", tz="UTC")
    assert (fc["lower_95"] <= fc["lower_80"]).all() and (fc["lower_80"] <= fc["forecast"]).all()
    assert (fc["forecast"] <= fc["upper_80"]).all() and (fc["upper_80"] <= fc["upper_95"]).all()
    levels = headroom.forecast(disks, horizon="1d", seasons="1d", levels=[90, 99.5], model="stl_linear")
    assert list(levels.columns) == ["series", "timestamp", "forecast", "lower_90", "upper_90",
                                    "lower_99.5", "upper_99.5", "model"]
    assert levels["model"].str.startswith("stl_linear").all()


def test_polars_in_polars_out_same_numbers(disks):
    pl = pytest.importorskip("polars")
    kwargs = dict(horizon=24, seasons="1d", model="stl_linear")
    via_pandas = headroom.forecast(disks, **kwargs)
    via_polars = headroom.forecast(pl.from_pandas(disks), **kwargs)
    assert isinstance(via_polars, pl.DataFrame)
    assert via_polars.schema["timestamp"] == pl.Datetime("us", "UTC")
    back = via_polars.to_pandas()
    pd.testing.assert_frame_equal(back, via_pandas, check_dtype=False, check_exact=True)
    sat = headroom.saturation(pl.from_pandas(disks), capacity=400, horizon="30d", **{"seasons": 24})
    assert sat.columns == SATURATION and sat["series"][0] == "s000"


def test_nixtla_names_and_named_columns(disks):
    nixtla = disks.rename(columns={"series": "unique_id", "timestamp": "ds", "value": "y"})
    a = headroom.forecast(nixtla, horizon=12, seasons=24, model="naive")
    odd = disks.rename(columns={"series": "host", "timestamp": "at", "value": "used"})
    b = headroom.forecast(odd, horizon=12, seasons=24, model="naive",
                          time_column="at", series_column="host", value_column="used")
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == FORECAST


def test_wide_frames_are_one_series_per_column(disks):
    wide = disks.pivot(index="timestamp", columns="series", values="value").reset_index()
    wide.columns.name = None
    a = headroom.inspect(wide)
    assert a["series"].tolist() == ["s000", "s001", "s002"]
    long = headroom.forecast(disks, horizon=6, seasons=24, model="naive")
    pd.testing.assert_frame_equal(headroom.forecast(wide, horizon=6, seasons=24, model="naive"), long)


def test_decompose_adds_up(disks):
    parts = quiet(headroom.decompose, disks, seasons=["1d"])
    assert list(parts.columns) == ["series", "timestamp", "value", "trend", "seasonal_24", "remainder"]
    total = parts["trend"] + parts["seasonal_24"] + parts["remainder"]
    assert np.allclose(total, parts["value"], rtol=0, atol=1e-9)
    robust = headroom.decompose(disks, seasons=24, robust=True, seasonal_window=11)
    assert list(robust.columns)[-1] == "robust_weight"
    two = headroom.decompose(disks, seasons=[24, 168])
    assert {"seasonal_24", "seasonal_168"} <= set(two.columns)


def test_saturation_ranks_and_answers_questions(disks):
    sat = quiet(headroom.saturation, disks, capacity=400, horizon="30d", seasons=24)
    assert list(sat.columns) == SATURATION
    # s000 grows 4 a day from about 384: it crosses 400 within days, first.
    assert sat["series"].iloc[0] == "s000" and sat["status"].iloc[0] == "crossing"
    assert sat["saturation_at"].iloc[0] > sat["last_timestamp"].iloc[0]
    assert str(sat["saturation_at"].dt.tz) == "UTC"
    assert ((sat["probability"] >= 0) & (sat["probability"] <= 1)).all()
    asked = headroom.saturation(disks, capacity="400", horizon="30d", seasons=24,
                                by="14d", need_until=dt.timedelta(days=20), risk=0.1)
    assert list(asked.columns) == SATURATION + ["probability_by", "capacity_needed"]
    down = headroom.saturation(disks.assign(value=1000 - disks["value"]), capacity=600,
                               direction="down", horizon="30d", seasons=24)
    assert down["series"].iloc[0] == "s000" and down["status"].iloc[0] == "crossing"


def test_saturation_capacities_dict_frame_and_file(disks, tmp_path):
    table = {"s000": 400, "s001": "1k", "s002": 350.5}
    a = headroom.saturation(disks, capacities=table, horizon="7d", seasons=24, model="linear_trend")
    b = headroom.saturation(disks, capacities=pd.DataFrame({"series": list(table), "capacity": [400, 1000, 350.5]}),
                            horizon="7d", seasons=24, model="linear_trend")
    path = tmp_path / "capacities.csv"
    path.write_text("series,capacity\ns000,400\ns001,1k\ns002,350.5\n")
    c = headroom.saturation(disks, capacities=path, horizon="7d", seasons=24, model="linear_trend")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert dict(zip(a["series"], a["capacity"])) == {"s000": 400, "s001": 1000, "s002": 350.5}
    with pytest.warns(headroom.SeriesWarning, match="no capacity for this series in the capacities file") as w:
        partial = headroom.saturation(disks, capacities={"s000": 400}, horizon="7d", seasons=24)
    assert partial["series"].tolist() == ["s000"]
    assert [x.message.series for x in w if isinstance(x.message, headroom.SeriesWarning)] == ["s001", "s002"]


def test_backtest_scores_every_model_and_the_fleet(disks):
    scores = quiet(headroom.backtest, disks, horizon=24, seasons=24, model=["stl_linear", "naive"], windows=2)
    assert list(scores.columns) == ["series", "model", "windows", "smape", "mase", "msis", "coverage_80", "coverage_95"]
    # Seasonal naive is added as the baseline; one row per series and model, then the fleet.
    assert scores["model"].unique().tolist()[:2] == ["stl_linear", "naive"]
    assert len(scores) == 3 * 3 + 3
    overall = scores[scores["series"] == "(all)"]
    assert len(overall) == 3 and (overall["windows"] == 6).all()


def test_plot_is_png_bytes_shown_inline(disks):
    with pytest.warns(headroom.HeadroomWarning, match="holds 3 series; drawing 's000'"):
        png = headroom.plot(disks, horizon="7d", seasons=24, capacity=400)
    assert isinstance(png, bytes) and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png._repr_png_() == bytes(png)
    small = quiet(headroom.plot, disks, horizon=24, seasons=24, series="s002", width=640, height=360)
    assert small[16:24] == (640).to_bytes(4, "big") + (360).to_bytes(4, "big")
    with pytest.raises(headroom.HeadroomError, match="no series named 'nope' in DataFrame; it holds s000, s001, s002"):
        headroom.plot(disks, horizon=24, series="nope")


def test_signature_defaults_are_the_command_line_s():
    d = native.defaults()
    for function in (headroom.forecast, headroom.saturation, headroom.backtest, headroom.plot):
        p = pyinspect.signature(function).parameters
        assert list(p["levels"].default) == d["levels"]
        assert p["gaps"].default == d["gaps"] and p["agg"].default == d["agg"]
        if "model" in p:
            assert p["model"].default == d["model"]
    s = pyinspect.signature(headroom.saturation).parameters
    assert (s["risk"].default, s["paths"].default, s["seed"].default) == (d["risk"], d["paths"], d["seed"])
    assert s["direction"].default == d["direction"] and s["intervals"].default == d["intervals"]
    assert pyinspect.signature(headroom.backtest).parameters["windows"].default == d["windows"]


def longest_stall_while(work):
    """How long the calling thread was held up at most, and in all, while `work` ran."""
    done = threading.Event()

    def run():
        work()
        done.set()

    worker = threading.Thread(target=run)
    start = last = time.perf_counter()
    worker.start()
    longest = 0.0
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    worker.join()
    return longest, time.perf_counter() - start


def test_the_gil_is_released_while_the_crate_computes():
    # The fleet grows until one call takes half a second: long enough to see a stall
    # on a faster machine too (CI ran 160 series in 0.28 s).
    n = 160
    while True:
        big = fleet(n=n, days=35)
        started = time.perf_counter()
        headroom.forecast(big, horizon="7d")
        if time.perf_counter() - started > 0.5 or n >= 5120:
            break
        n *= 2
    longest, took = longest_stall_while(lambda: headroom.forecast(big, horizon="7d"))
    # With the GIL held while the crate computes, this loop would stall for most
    # of the call; released, it runs on (a busy machine can still pause it).
    assert took > 0.4, f"the call took {took:.2f} s with {n} series, too short to tell"
    assert longest < 0.5 * took, (longest, took)


@pytest.mark.parametrize("command", ["forecast", "saturation", "decompose", "inspect"])
def test_same_answers_as_the_command_line(command, disks, tmp_path):
    exe = binary()
    if exe is None:
        pytest.skip("SKIPPED: no headroom binary (run cargo build)")
    csv = tmp_path / "disks.csv"
    disks.to_csv(csv, index=False, date_format="%Y-%m-%dT%H:%M:%SZ", float_format="%.17g")
    flags = {
        "forecast": (["--horizon", "48", "--season", "24", "--model", "stl_linear"],
                     dict(horizon=48, seasons=24, model="stl_linear")),
        "saturation": (["--capacity", "400", "--horizon", "14d", "--season", "24"],
                       dict(capacity=400, horizon="14d", seasons=24)),
        "decompose": (["--season", "24"], dict(seasons=24)),
        "inspect": ([], {}),
    }[command]
    run = subprocess.run([exe, command, "--input", str(csv), *flags[0]], capture_output=True, text=True, check=True)
    expected = pd.read_csv(__import__("io").StringIO(run.stdout), keep_default_na=False, na_values=[""],
                           float_precision="round_trip")
    got = getattr(headroom, command)(disks, **flags[1])
    assert list(got.columns) == list(expected.columns)
    for column in got.columns:
        g, e = got[column], expected[column]
        if isinstance(g.dtype, pd.DatetimeTZDtype):
            e = pd.to_datetime(e, utc=True)
            assert g.equals(e) or (g.isna() == e.isna()).all() and (g.dropna() == e.dropna()).all(), column
        elif pd.api.types.is_numeric_dtype(g.dtype):
            np.testing.assert_array_equal(g.to_numpy(dtype=float), e.to_numpy(dtype=float), err_msg=column)
        else:
            assert g.fillna("").astype(str).tolist() == e.fillna("").astype(str).tolist(), column


def test_report_is_one_html_page_shown_inline(disks):
    page = quiet(headroom.report, disks, capacity=400, horizon="30d", seasons=24, trust_windows=0)
    assert isinstance(page, str) and isinstance(page, headroom.Report)
    assert page._repr_html_() == str(page)
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    # s000 grows fastest and reaches 400 first; every chart is inside the page.
    assert 'id="summary"' in page and "The first: s000 reaches 400" in page
    assert page.count('src="data:image/png;base64,') >= 2
    what_if = quiet(headroom.report, disks, capacity=400, horizon="30d", seasons=24, trust_windows=0,
                    scenarios=["capacity 500 from 2024-03-23"])
    assert "Under the scenario “capacity 500 from 2024-03-23”" in what_if


def test_report_lists_failures_and_refuses_a_bad_scenario(disks):
    with pytest.warns(headroom.SeriesWarning, match="no capacity for this series"):
        page = headroom.report(disks, capacities={"s000": 400}, horizon="7d", seasons=24, trust_windows=0)
    assert "Series that could not be answered" in page and "<td>s001</td>" in page
    with pytest.raises(headroom.HeadroomError, match="--scenario 'x2 from 2024-01-01': the date"):
        headroom.report(disks, capacity=400, horizon="7d", seasons=24, scenarios="x2 from 2024-01-01")
    with pytest.raises(headroom.HeadroomError, match="--scenario 'twice from 2024-04-01'"):
        headroom.report(disks, capacity=400, horizon="7d", seasons=24, scenarios=["twice from 2024-04-01"])


def test_saturation_and_plot_answer_a_scenario(disks):
    plain = quiet(headroom.saturation, disks, capacity=400, horizon="30d", seasons=24, model="linear_trend")
    launch = quiet(headroom.saturation, disks, capacity=400, horizon="30d", seasons=24, model="linear_trend",
                   scenarios=["x1.1  from 2024-03-23"])
    assert list(launch.columns) == list(plain.columns) + ["scenario"]
    assert (launch["scenario"] == "x1.1 from 2024-03-23").all()
    # Ten percent more from 23 March puts s000 (about 390 then) past 400 that day.
    at = dict(zip(launch["series"], launch["saturation_at"]))
    assert at["s000"] == pd.Timestamp("2024-03-23", tz="UTC")
    assert dict(zip(plain["series"], plain["saturation_at"]))["s000"] > at["s000"]
    assert quiet(headroom.plot, disks, horizon="7d", capacity=400, seasons=24, series="s000",
                 scenarios="capacity 500 from 2024-03-23").startswith(b"\x89PNG")
    with pytest.raises(headroom.HeadroomError, match="--scenario 'capacity 350 from 2024-03-23'"):
        headroom.saturation(disks, capacity=400, horizon="7d", seasons=24, scenarios="capacity 350 from 2024-03-23")
