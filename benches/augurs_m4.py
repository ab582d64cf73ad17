#!/usr/bin/env python3
"""headroom against augurs' MSTL on the 414 M4 Hourly series, in one run.

Each series' last 48 hours are held out (as in examples/m4_validation.rs); augurs
fits MSTL(24, 168) with an AutoETS trend and forecasts 48 steps with a 95 %
interval, one series after another (its Python API has no batch call); headroom
runs `forecast --horizon 48 --season 24 --season 168` on the same fitting parts
through the CLI, as a user runs it (both cores, auto model, 80 and 95 %
intervals). The ratio is wall time against wall time, measured back to back so
the machine's load is shared.

    pip install augurs numpy
    cargo build --release && python3 benches/augurs_m4.py [--repeat 3]

HEADROOM_SHARED_DATA names the shared data folder (default ../shared/data),
HEADROOM_BIN the binary (default target/release/headroom).
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict

HORIZON = 48


def read_m4(path):
    series = OrderedDict()
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        sid, ts, val = (header.index(c) for c in ("series", "timestamp", "value"))
        for row in reader:
            series.setdefault(row[sid], []).append((row[ts], float(row[val])))
    return series


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is kept")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shared = os.environ.get("HEADROOM_SHARED_DATA", os.path.join(root, "..", "shared", "data"))
    path = os.path.join(shared, "m4", "Hourly-train-long.csv")
    if not os.path.exists(path):
        print(f"SKIPPED: {path} not found")
        return 0
    try:
        import augurs
        import numpy as np
    except ImportError as e:
        print(f"SKIPPED: {e} (pip install augurs numpy)")
        return 0
    binary = os.environ.get("HEADROOM_BIN") or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target")), "release", "headroom"
    )
    if not os.path.exists(binary):
        print(f"SKIPPED: {binary} not found (cargo build --release)")
        return 0
    series = read_m4(path)
    fits = {k: v[:-HORIZON] for k, v in series.items()}
    with tempfile.TemporaryDirectory() as tmp:
        fit_csv = os.path.join(tmp, "fit.csv")
        with open(fit_csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["series", "timestamp", "value"])
            for k, rows in fits.items():
                for t, y in rows:
                    w.writerow([k, t, repr(y)])
        arrays = [np.asarray([y for _, y in rows], dtype=float) for rows in fits.values()]

        def run_augurs():
            for y in arrays:
                model = augurs.MSTL.ets([24, 168])
                model.fit(y)
                model.predict(HORIZON, level=0.95)

        def run_headroom():
            out = os.path.join(tmp, "forecast.csv")
            cmd = [binary, "forecast", "--input", fit_csv, "--horizon", str(HORIZON),
                   "--season", "24", "--season", "168", "--output", out]
            subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)

        best = {}
        for _ in range(max(1, args.repeat)):
            for name, run in (("augurs", run_augurs), ("headroom", run_headroom)):
                start = time.perf_counter()
                run()
                took = time.perf_counter() - start
                best[name] = min(best.get(name, took), took)
    print(f"M4 Hourly, {len(arrays)} series, horizon {HORIZON}, best of {args.repeat}:")
    print(f"  augurs MSTL(24,168)+AutoETS, Python, one series at a time: {best['augurs']:.2f} s")
    print(f"  headroom forecast (auto, CLI, both cores):                 {best['headroom']:.2f} s")
    print(f"  headroom is {best['augurs'] / best['headroom']:.2f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
