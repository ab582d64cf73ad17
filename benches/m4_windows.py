#!/usr/bin/env python3
"""headroom's saturation answer on the three M4 Hourly validation windows of
../shared/baselines/m4_hourly_windows.md, scored as the baselines are.

For each window d in 48, 96 and 144 (hours before the end), every one of the 414
series is cut d hours before its end and asked about the next 48 hours with the
baselines' capacity rule (`max(fit) + 0.5 * |max(window) - max(fit)|`); the
`probability` column is scored (Brier, AUC) against whether the window reached it.
The held-out peak is placed among the simulated futures' peaks (through
`capacity_needed` at risks 0.1/0.9 and 0.025/0.975: the 80 and 95 % intervals
of the horizon's peak), and the point forecast is scored (MASE, sMAPE, cov95) as
in m4_hourly_validation.md.

    pip install pandas numpy
    cargo build --release && python3 benches/m4_windows.py [--bin target/release/headroom] [--windows 48,96,144]

HEADROOM_SHARED_DATA names the shared data folder (default ../shared/data).
"""

import argparse
import io
import os
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd

H = 48


def run(binary, args):
    out = subprocess.run([binary, *args], capture_output=True, text=True)
    if out.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(args)}: {out.stderr}")
    return pd.read_csv(io.StringIO(out.stdout), keep_default_na=False, na_values=[""])


def auc(p, y):
    rank = pd.Series(p).rank().to_numpy()
    n1, n0 = y.sum(), (~y).sum()
    return (rank[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


def window(binary, data, drop, tmp, extra, question=()):
    data = data.copy()
    data["i"] = data.groupby("series", sort=False).cumcount()
    data["n"] = data.groupby("series", sort=False)["value"].transform("size")
    fit = data[data.i < data.n - drop]
    held = data[(data.i >= data.n - drop) & (data.i < data.n - drop + H)]
    fit_csv, caps_csv = f"{tmp}/fit_{drop}.csv", f"{tmp}/caps_{drop}.csv"
    fit[["series", "timestamp", "value"]].to_csv(fit_csv, index=False)
    top_fit = fit.groupby("series", sort=False).value.max()
    top_held = held.groupby("series", sort=False).value.max()
    caps = top_fit + 0.5 * (top_held - top_fit).abs()
    pd.DataFrame({"series": caps.index, "capacity": caps.values}).to_csv(caps_csv, index=False, float_format="%.17g")
    common = ["--input", fit_csv, "--horizon", str(H), "--season", "24", "--season", "168", *extra]
    started = time.time()
    sat = run(binary, ["saturation", "--capacities", caps_csv, *common, *question]).set_index("series")
    took = time.time() - started
    crossed = (top_held >= caps).reindex(sat.index).to_numpy()
    p = sat.probability.to_numpy()
    # The horizon's peak among the paths' peaks: capacity needed at these risks.
    peaks = {}
    for risk in (0.1, 0.9, 0.025, 0.975):
        q = run(binary, ["saturation", "--capacities", caps_csv, "--need-until", f"{H}h", "--risk", str(risk),
                         "--all-paths", *common]).set_index("series")
        peaks[risk] = q.capacity_needed.reindex(sat.index).to_numpy()
    peak = top_held.reindex(sat.index).to_numpy()
    in80 = np.mean((peak >= peaks[0.9]) & (peak <= peaks[0.1]))
    in95 = np.mean((peak >= peaks[0.975]) & (peak <= peaks[0.025]))
    # Which side the misses fall on: futures peaking too high, or too low.
    low80, high80 = np.mean(peak < peaks[0.9]), np.mean(peak > peaks[0.1])
    # Point accuracy and cov95 of the forecast on the same cut.
    fc = run(binary, ["forecast", *common])
    fc["h"] = fc.groupby("series", sort=False).cumcount()
    held = held.assign(h=held.groupby("series", sort=False).cumcount())
    m = fc.merge(held[["series", "h", "value"]], on=["series", "h"])
    scale = fit.groupby("series", sort=False).value.apply(lambda v: np.mean(np.abs(v.to_numpy()[24:] - v.to_numpy()[:-24])))
    m["scale"] = m.series.map(scale)
    err = (m.value - m.forecast).abs()
    mase = (err / m.scale).groupby(m.series).mean().mean()
    smape = (200 * err / (m.value.abs() + m.forecast.abs())).groupby(m.series).mean().mean()
    cov95 = ((m.value >= m.lower_95) & (m.value <= m.upper_95)).mean()
    brier = np.mean((p - crossed) ** 2)
    print(f"window {drop:3d}: crossing {crossed.sum()}, Brier {brier:.4f}, AUC {auc(p, crossed):.4f}, "
          f"peak in 80 % {100 * in80:.1f} % (below {100 * low80:.1f}, above {100 * high80:.1f}), "
          f"in 95 % {100 * in95:.1f} %, MASE {mase:.3f}, sMAPE {smape:.2f}, "
          f"cov95 {cov95:.3f}  (saturation {took:.1f} s)", flush=True)
    return dict(window=drop, brier=brier, auc=auc(p, crossed), in80=in80, in95=in95, mase=mase, smape=smape,
                cov95=cov95)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.environ.get("HEADROOM_BIN", "target/release/headroom"))
    parser.add_argument("--windows", default="48,96,144")
    parser.add_argument("--question", action="append", default=[],
                        help="a flag for the probability's call only (--question=--pool-history)")
    parser.add_argument("extra", nargs="*", help="more flags for every call (after --)")
    args = parser.parse_args()
    shared = os.environ.get("HEADROOM_SHARED_DATA", "../shared/data")
    data = pd.read_csv(f"{shared}/m4/Hourly-train-long.csv")
    with tempfile.TemporaryDirectory() as tmp:
        for drop in (int(w) for w in args.windows.split(",")):
            window(args.bin, data, drop, tmp, args.extra, args.question)


if __name__ == "__main__":
    main()
