"""The same questions through the command line and through Python give the same
rows: capacities as multiples, percentages and tables, the self-check,
scenarios, bounds and the futures without the history's answer (issue 27: one
question, answered in one place)."""

import io
import subprocess

import numpy as np
import pandas as pd
import pytest

import headroom
from conftest import binary, fleet


def percent_fleet() -> pd.DataFrame:
    """Two CPU series in percent: a daily cycle, one of them climbing."""
    rng = np.random.default_rng(3)
    hours = pd.date_range("2024-03-01", periods=24 * 21, freq="h", tz="UTC")
    step = np.arange(len(hours))
    frames = []
    for i, climb in enumerate((1.5, 0.0)):
        value = 50 + climb * step / 24 + 10 * np.sin(2 * np.pi * (step % 24) / 24) + rng.normal(0, 1, len(step))
        frames.append(pd.DataFrame({"series": f"cpu{i}", "timestamp": hours, "value": np.clip(value, 0, 100)}))
    return pd.concat(frames, ignore_index=True)


def cli(exe: str, frame: pd.DataFrame, tmp_path, flags) -> pd.DataFrame:
    csv = tmp_path / "input.csv"
    frame.to_csv(csv, index=False, date_format="%Y-%m-%dT%H:%M:%SZ", float_format="%.17g")
    run = subprocess.run([exe, "saturation", "--input", str(csv), *flags], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return pd.read_csv(io.StringIO(run.stdout), keep_default_na=False, na_values=[""], float_precision="round_trip")


def same_rows(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    for column in got.columns:
        g, e = got[column], expected[column]
        if isinstance(g.dtype, pd.DatetimeTZDtype):
            e = pd.to_datetime(e, utc=True)
            assert ((g == e) | (g.isna() & e.isna())).all(), column
        elif pd.api.types.is_numeric_dtype(g.dtype):
            np.testing.assert_array_equal(g.to_numpy(dtype=float), e.to_numpy(dtype=float), err_msg=column)
        else:
            assert g.fillna("").astype(str).tolist() == e.fillna("").astype(str).tolist(), column


QUESTIONS = {
    "a multiple of the peak": (fleet(), ["--capacity", "1.1x"], dict(capacity="1.1x")),
    "a share of a percent metric": (percent_fleet(), ["--capacity", "80%"], dict(capacity="80%")),
    "a table": (fleet(), ["--capacities", "{table}"], dict(capacities={"s000": "400", "s001": "350", "s002": "1T"})),
    "the self-check": (fleet(), ["--capacity", "400", "--self-check"], dict(capacity=400, self_check=True)),
    "a scenario": (fleet(), ["--capacity", "400", "--scenario", "x1.1 from 2024-03-23"],
                   dict(capacity=400, scenarios="x1.1 from 2024-03-23")),
    "bounds": (percent_fleet(), ["--capacity", "95", "--bounds", "0,100", "--direction", "up"],
               dict(capacity=95, bounds=(0, 100))),
    "down, by and need-until": (fleet(), ["--capacity", "290", "--direction", "down", "--by", "5d",
                                          "--need-until", "10d", "--risk", "0.1"],
                                dict(capacity=290, direction="down", by="5d", need_until="10d", risk=0.1)),
    "the futures alone": (fleet(), ["--capacity", "1.1x", "--pool-history", "false"],
                          dict(capacity="1.1x", pool_history=False)),
}


@pytest.mark.parametrize("name", list(QUESTIONS))
def test_python_answers_as_the_command_line(name, tmp_path):
    exe = binary()
    if exe is None:
        pytest.skip("SKIPPED: no headroom binary (run cargo build)")
    frame, flags, kwargs = QUESTIONS[name]
    if "{table}" in flags:
        table = tmp_path / "capacities.csv"
        pd.DataFrame({"series": list(kwargs["capacities"]), "capacity": list(kwargs["capacities"].values())}).to_csv(
            table, index=False)
        flags = [str(table) if f == "{table}" else f for f in flags]
    common = ["--horizon", "7d", "--season", "24", "--paths", "300"]
    expected = cli(exe, frame, tmp_path, flags + common)
    got = headroom.saturation(frame, horizon="7d", seasons=24, paths=300, **kwargs)
    same_rows(got, expected)
    if name == "the self-check":
        assert {"trust", "trust_skill"} <= set(got.columns)
