"""Bad input: a Python exception or warning that names the problem, never a crash;
one bad series fails alone."""

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

import headroom
from conftest import fleet


def test_missing_columns_name_the_expected_ones(disks):
    with pytest.raises(headroom.HeadroomError, match="no time column among series, value; expected one named timestamp"):
        headroom.forecast(disks.drop(columns="timestamp"), horizon=24)
    with pytest.raises(headroom.HeadroomError, match="a series column but no value column"):
        headroom.inspect(disks[["series", "timestamp"]])
    with pytest.raises(headroom.HeadroomError, match="no column named 'used'"):
        headroom.inspect(disks, value_column="used")


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="expected a pandas or polars DataFrame, got builtins.dict"):
        headroom.inspect({"series": [], "timestamp": [], "value": []})


def test_empty_frame(disks):
    with pytest.raises(headroom.HeadroomError, match="DataFrame: the DataFrame has no rows"):
        headroom.forecast(disks.iloc[:0], horizon=24)


def test_object_values_are_read_as_csv_fields_and_a_bad_one_fails_its_series(disks):
    text = disks.assign(value=disks["value"].map(repr).astype(object))
    pd.testing.assert_frame_equal(headroom.inspect(text), headroom.inspect(disks))
    text.loc[600, "value"] = "12,5"
    with pytest.warns(headroom.SeriesWarning) as w:
        table = headroom.inspect(text)
    assert table["series"].tolist() == ["s000", "s002"]
    [failure] = [x.message for x in w if isinstance(x.message, headroom.SeriesWarning)]
    assert failure.series == "s001"
    assert failure.reason == ("series s001: DataFrame: row 600, column value: cannot read '12,5' as a number "
                              "(thousands separators and decimal commas are not read)")
    words = disks.assign(value="lots")
    with pytest.raises(headroom.HeadroomError, match="nothing could be done:\nseries s000: .*cannot read 'lots' as a number"):
        headroom.forecast(words, horizon=24)


def test_naive_timestamps_are_utc_and_said_so(disks):
    naive = disks.assign(timestamp=disks["timestamp"].dt.tz_localize(None))
    with pytest.warns(headroom.HeadroomWarning, match="column timestamp have no time zone; they are taken as UTC"):
        a = headroom.forecast(naive, horizon=24, seasons=24, model="naive")
    b = headroom.forecast(disks, horizon=24, seasons=24, model="naive")
    pd.testing.assert_frame_equal(a, b)
    other_zone = disks.assign(timestamp=disks["timestamp"].dt.tz_convert("America/New_York"))
    pd.testing.assert_frame_equal(headroom.forecast(other_zone, horizon=24, seasons=24, model="naive"), b)


def test_text_and_epoch_timestamps(disks):
    text = disks.assign(timestamp=disks["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    # Seconds since the epoch whatever the datetime unit (pandas 3 keeps microseconds,
    # so astype("int64") is no longer nanoseconds).
    seconds = (disks["timestamp"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    epoch = disks.assign(timestamp=seconds.astype("int64"))
    expected = headroom.inspect(disks)
    pd.testing.assert_frame_equal(headroom.inspect(text), expected)
    pd.testing.assert_frame_equal(headroom.inspect(epoch), expected)
    bad = text.copy()
    bad.loc[5, "timestamp"] = "soon"
    with pytest.warns(headroom.SeriesWarning, match="row 5, column timestamp"):
        assert headroom.inspect(bad)["series"].tolist() == ["s001", "s002"]


def test_nan_values_are_missing(disks):
    holes = disks.copy()
    holes.loc[[100, 101, 102], "value"] = np.nan
    table = headroom.inspect(holes)
    assert table.set_index("series").loc["s000", "missing"] == 3
    with pytest.warns(headroom.HeadroomWarning, match="series s000: .*3 .*filled"):
        fc = headroom.forecast(holes, horizon=24, seasons=24)
    assert fc["forecast"].notna().all()
    with pytest.warns(headroom.SeriesWarning, match="gaps are refused"):
        assert headroom.inspect(holes, gaps="refuse")["series"].tolist() == ["s000", "s001", "s002"]
        fc = headroom.forecast(holes, horizon=24, seasons=24, gaps="refuse")
    assert "s000" not in set(fc["series"])


def test_unsorted_and_duplicated_timestamps_are_merged_and_said_so(disks):
    shuffled = disks.sample(frac=1.0, random_state=1)
    # 5 of 509 rows repeat a timestamp: under the 1 % an overlap of exports explains.
    doubled = pd.concat([shuffled, disks[disks["series"] == "s001"].iloc[:5]])
    with pytest.warns(headroom.HeadroomWarning) as w:
        got = headroom.forecast(doubled, horizon=24, seasons=24, model="stl_linear")
    notes = [str(x.message) for x in w]
    assert any("series s000" in n and "sorted by time" in n for n in notes), notes
    assert any("series s001" in n and "5 duplicated timestamp(s) merged by their mean" in n for n in notes), notes
    expected = headroom.forecast(disks, horizon=24, seasons=24, model="stl_linear")
    # Series come in order of first appearance; the answers are those of the clean frame.
    got = got.sort_values(["series", "timestamp"], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_an_unnamed_label_column_is_refused_not_averaged(disks):
    # Four hosts under a column the layout does not know: one series named after
    # the value column, each timestamp repeated per host (issue 20 item 1).
    hosts = disks.rename(columns={"series": "host"})
    with pytest.raises(headroom.HeadroomError, match=r"column 'host' probably names several series: pass series_column=host"):
        headroom.saturation(hosts, capacity=400, horizon="7d")
    # Named, it is the label; merging is there when asked for.
    named = headroom.inspect(hosts, series_column="host")
    assert named["series"].tolist() == ["s000", "s001", "s002"]
    merged = headroom.inspect(hosts, duplicates="mean")
    assert merged["series"].tolist() == ["value"]
    assert merged["duplicates"].tolist() == [504]  # timestamps that repeat
    with pytest.raises(headroom.HeadroomError, match="duplicates= must be refuse, mean, max or last"):
        headroom.inspect(hosts, duplicates="sum")


def test_decimal_years_are_calendar_months_and_implausible_numbers_refused():
    # R's time() of a monthly ts: 1973, 1973.0833, ... (issue 20 item 2).
    months = np.arange(48)
    ts = pd.DataFrame({"time": 1973 + months / 12, "value": 100.0 + months})
    with pytest.warns(headroom.HeadroomWarning, match="decimal years"):
        table = headroom.inspect(ts)
    row = table.iloc[0]
    assert row["first_timestamp"] == pd.Timestamp("1973-01-01", tz="UTC")
    assert row["last_timestamp"] == pd.Timestamp("1976-12-01", tz="UTC")
    # Small counters are neither years nor plausible epoch seconds.
    counts = pd.DataFrame({"time": np.arange(1, 49), "value": 1.0 + months})
    with pytest.raises(headroom.HeadroomError, match="time"):
        headroom.inspect(counts)


def test_bounds_keep_every_future_inside():
    # A queue depth near zero that never went below it (issue 20 item 3): the
    # inferred bounds keep every band above zero, "none" lets it go below.
    rng = np.random.default_rng(3)
    hours = pd.date_range("2024-03-01", periods=24 * 21, freq="h", tz="UTC")
    queue = pd.DataFrame({"timestamp": hours, "value": np.clip(1.0 + rng.normal(0, 1, len(hours)), 0, None)})
    free = headroom.forecast(queue, horizon=48, bounds="none")
    assert (free["lower_95"] < 0).any()
    inferred = headroom.forecast(queue, horizon=48)
    assert (inferred["lower_95"] >= 0).all() and (inferred["forecast"] >= 0).all()
    pair = headroom.forecast(queue, horizon=48, bounds=(0, None))
    pd.testing.assert_frame_equal(pair, headroom.forecast(queue, horizon=48, bounds="0,"))
    assert (pair["lower_95"] >= 0).all()
    # The backtest scores the bounded forecasts: narrower where they were cut.
    free_bt = headroom.backtest(queue, horizon=24, model="naive", bounds="none")
    bt = headroom.backtest(queue, horizon=24, model="naive")
    assert (bt["msis"] <= free_bt["msis"] + 1e-9).all() and (bt["msis"] < free_bt["msis"]).any()
    sat = headroom.saturation(queue, capacity=-0.5, direction="down", horizon="2d", bounds=(0, None))
    assert sat["probability"].tolist() == [0.0]
    with pytest.raises(headroom.HeadroomError, match="bounds="):
        headroom.forecast(queue, horizon=24, bounds="above")
    with pytest.raises(headroom.HeadroomError, match="bounds="):
        headroom.forecast(queue, horizon=24, bounds=(1, "x"))


def test_a_capacity_that_is_not_a_number(disks):
    with pytest.raises(headroom.HeadroomError, match="cannot read capacity 'lots'"):
        headroom.saturation(disks, capacity="lots")
    with pytest.raises(headroom.HeadroomError, match="cannot read capacity 'nan'"):
        headroom.saturation(disks, capacity=float("nan"))
    with pytest.raises(TypeError, match="capacity must be a number"):
        headroom.saturation(disks, capacity=[400])
    with pytest.raises(headroom.HeadroomError, match="capacities: series s001: cannot read capacity 'big'"):
        headroom.saturation(disks, capacities={"s000": 1, "s001": "big"})
    with pytest.raises(headroom.HeadroomError, match="capacity or capacities is required"):
        headroom.saturation(disks)
    with pytest.raises(headroom.HeadroomError, match="not both"):
        headroom.saturation(disks, capacity=1, capacities={"s000": 1})


@pytest.mark.parametrize("kwargs, message", [
    (dict(horizon=0), "the horizon must be at least one step"),
    (dict(horizon="soon"), "cannot read 'soon' as a number of steps or a duration"),
    (dict(horizon=24, levels=[120]), "a level is a percentage strictly between 0 and 100, got '120.0'"),
    (dict(horizon=24, model="crystal_ball"), "crystal_ball"),
    (dict(horizon=24, intervals="wide"), "wide"),
    (dict(horizon=24, gaps="ignore"), "gaps must be 'auto', 'fill', 'closed' or 'refuse', got 'ignore'"),
    (dict(horizon=24, step=3), "a step is a duration such as 5m, 1h or 1d, not a number of steps"),
    (dict(horizon=24, seasons="1.5h"), "not a whole number"),
])
def test_bad_options_get_the_command_line_s_messages(disks, kwargs, message):
    with pytest.raises(headroom.HeadroomError, match=message):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            headroom.forecast(disks, **kwargs)


def test_bad_saturation_questions(disks):
    with pytest.raises(headroom.HeadroomError, match="the risk is a probability strictly between 0 and 1"):
        headroom.saturation(disks, capacity=400, need_until="7d", risk=2)
    with pytest.raises(headroom.HeadroomError, match="up"):
        headroom.saturation(disks, capacity=400, direction="sideways")
    with pytest.raises(headroom.HeadroomError, match="nothing could be done:\nseries s000: the date "
                       "2020-01-01T00:00:00Z is not after the last observation"):
        headroom.saturation(disks, capacity=400, by=dt.date(2020, 1, 1), seasons=24, horizon=24)


def test_one_bad_series_fails_alone(disks):
    short = pd.DataFrame({"series": "tiny", "timestamp": pd.Timestamp("2024-03-01", tz="UTC"), "value": [1.0]})
    infinite = disks[disks["series"] == "s002"].assign(series="inf")
    infinite.iloc[3, 2] = np.inf
    frame = pd.concat([disks, short, infinite], ignore_index=True)
    with pytest.warns(headroom.SeriesWarning) as w:
        fc = headroom.forecast(frame, horizon=24, seasons=24, model="naive")
    assert fc["series"].unique().tolist() == ["s000", "s001", "s002"]
    failed = {x.message.series: x.message.reason for x in w if isinstance(x.message, headroom.SeriesWarning)}
    assert set(failed) == {"tiny", "inf"}
    assert failed["tiny"].startswith("series tiny: cannot infer a step")
    assert failed["inf"].startswith("series inf: infinite value at")
    with pytest.raises(headroom.HeadroomError, match="2 series failed:\nseries inf: .*\nseries tiny: "):
        headroom.forecast(frame, horizon=24, seasons=24, model="naive", errors="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = headroom.forecast(frame, horizon=24, seasons=24, model="naive", errors="ignore")
    pd.testing.assert_frame_equal(quiet, fc)
    with pytest.raises(ValueError, match="errors must be one of warn, raise, ignore"):
        headroom.inspect(frame, errors="loud")


def test_null_series_names_and_timestamps(disks):
    nameless = disks.copy()
    nameless.loc[7, "series"] = None
    with pytest.raises(headroom.HeadroomError, match="DataFrame: row 7, column series: empty series name"):
        headroom.inspect(nameless)
    timeless = disks.copy()
    timeless.loc[30, "timestamp"] = pd.NaT
    with pytest.warns(headroom.SeriesWarning, match="series s000: DataFrame: row 30, column timestamp: null timestamp"):
        assert headroom.inspect(timeless)["series"].tolist() == ["s001", "s002"]


def test_garbage_never_crashes_the_interpreter():
    rng = np.random.default_rng(3)
    cases = [
        pd.DataFrame({"series": ["a"] * 5, "timestamp": [0, 0, 0, 0, 0], "value": [1e308] * 5}),
        pd.DataFrame({"series": ["a", "a"], "timestamp": [1, 2], "value": [np.nan, np.nan]}),
        pd.DataFrame({"series": ["a"] * 3, "timestamp": [1, 10**12, 10**18], "value": [1, 2, 3]}),
        pd.DataFrame({"series": ["a"] * 50, "timestamp": rng.integers(0, 10**9, 50), "value": rng.normal(size=50)}),
        pd.DataFrame({"series": ["a"] * 4, "timestamp": [True, False, True, False], "value": [1, 2, 3, 4]}),
        pd.DataFrame({"series": [1, 2, 3], "timestamp": ["x", "y", "z"], "value": [object(), None, 1.5]}),
        pd.DataFrame({"series": ["a"] * 200, "timestamp": np.arange(200) * 60, "value": np.full(200, -1e300)}),
    ]
    for frame in cases:
        for call in (
            lambda f: headroom.inspect(f),
            lambda f: headroom.forecast(f, horizon=10),
            lambda f: headroom.decompose(f),
            lambda f: headroom.saturation(f, capacity=5),
            lambda f: headroom.backtest(f, horizon=5),
            lambda f: headroom.plot(f, horizon=5),
        ):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    call(frame)
                except headroom.HeadroomError:
                    pass
