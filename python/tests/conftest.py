"""Shared fixtures: small fleets of hourly metrics, made here (no data files),
and the command line the Python answers are compared with."""

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def fleet(n: int = 3, days: int = 21, seed: int = 7, start: str = "2024-03-01") -> pd.DataFrame:
    """`n` hourly series over `days` days: a daily cycle, noise, and growth at
    different rates (series s000 grows fastest)."""
    rng = np.random.default_rng(seed)
    hours = pd.date_range(start, periods=24 * days, freq="h", tz="UTC")
    step = np.arange(len(hours))
    daily = np.sin(2 * np.pi * (step % 24) / 24)
    frames = []
    for i in range(n):
        level, per_day = 300.0 + 10 * (i % 7), 4.0 / (1 + i)
        value = level + per_day * step / 24 + 3.0 * daily + rng.normal(0, 0.5, len(step))
        frames.append(pd.DataFrame({"series": f"s{i:03d}", "timestamp": hours, "value": value}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def disks() -> pd.DataFrame:
    return fleet()


REPO = Path(__file__).resolve().parents[2]


def binary():
    """The command line built by `cargo build` (CI builds it for `cargo test`)."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for candidate in (os.environ.get("HEADROOM"), target / "debug" / "headroom", target / "release" / "headroom",
                      shutil.which("headroom")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None
