#!/usr/bin/env python3
"""Will it reach capacity within a year? headroom on the growth cases of
../shared/baselines/growth_m4_weekly.md, scored exactly as the peers are there.

Every M4 Weekly series with at least 80 values is cut at 65 % of its length and
asked whether it reaches 1.1x and 1.25x the fit part's maximum within the next
min(52, rest) weeks (718 cases, 59 cross). Prints Brier, AUC, the share of
crossing cases whose actual week lies inside [p10_at, p90_at] (open upper end
allowed), the share of non-crossing cases with probability < 0.5, and the
median error of p50_at; and, from `forecast` on the same cuts, how often the 80 %
and 95 % bands at month six (week 26) and at week 52 hold what happened.

    pip install pandas numpy
    cargo build --release && python3 examples/growth_m4_weekly.py [--bin target/release/headroom] [--cases out.csv] [-- extra saturation flags]

HEADROOM_SHARED_DATA names the shared data folder (default ../shared/data).
"""

import argparse
import os
import subprocess
import tempfile
import time

import numpy as np
import pandas as pd

W0 = pd.Timestamp("2000-01-03", tz="UTC")


def cases_of(data):
    """One row per (series, multiplier); weeks are counted from W0 (week 0)."""
    rows = []
    for sid, v in pd.read_csv(data, index_col=0).iterrows():
        y = v.dropna().to_numpy(float)
        if len(y) < 80:
            continue
        cut = int(len(y) * 0.65)
        fit, test = y[:cut], y[cut:cut + 52]
        for f in (1.1, 1.25):
            cap, hit = fit.max() * f, np.flatnonzero(test >= fit.max() * f)
            rows.append(dict(series=f"{sid}:{f}", fit=fit, test=test, h=len(test), capacity=cap,
                             actual=cut + hit[0] if len(hit) else np.nan))
    return pd.DataFrame(rows)


def score(cases, p, lo, mid, hi):
    act, crossed = cases.actual.to_numpy(), cases.actual.notna().to_numpy()
    p = np.where(np.isnan(p), 1.0 - crossed, p)  # no answer counts as wrong
    rank, n1, n0 = pd.Series(p).rank().to_numpy(), crossed.sum(), (~crossed).sum()
    return dict(cases=len(p), crossing=int(n1),
                brier=np.mean((p - crossed) ** 2),
                auc=(rank[crossed].sum() - n1 * (n1 + 1) / 2) / (n1 * n0),
                date_right=100 * np.mean(((lo <= act) & ~(hi < act))[crossed]),
                plateau_right=100 * np.mean(p[~crossed] < 0.5),
                median_err=np.nanmedian(np.abs(mid - act)[crossed]))


def band_coverage(binary, tmp, cases, extra):
    """The share of series whose value at weeks 26 and 52 lies inside the
    forecast's 80 % and 95 % bands (one forecast per series, from its cut)."""
    one = cases[cases.series.str.endswith(":1.1")]
    run = subprocess.run([binary, "forecast", "--input", f"{tmp}/fit.csv", "--horizon", "52",
                          "--output", f"{tmp}/fc.csv", *extra], capture_output=True, text=True)
    if run.returncode not in (0, 3):
        raise SystemExit(run.stderr)
    fc = pd.read_csv(f"{tmp}/fc.csv")
    fc["step"] = fc.groupby("series", sort=False).cumcount() + 1
    out = []
    for week in (26, 52):
        at = fc[fc.step == week].set_index("series").reindex(one.series)
        truth = np.array([t[week - 1] for t in one.test])
        cov = {lvl: np.mean((truth >= at[f"lower_{lvl}"].to_numpy()) & (truth <= at[f"upper_{lvl}"].to_numpy()))
               for lvl in (80, 95)}
        out.append(f"week {week}: inside 80 % {100 * cov[80]:.1f} %, inside 95 % {100 * cov[95]:.1f} %")
    return f"bands ({len(one)} series): " + "; ".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release/headroom"))
    ap.add_argument("--cases", help="write the per-case answers here")
    ap.add_argument("--log", action="store_true", help="ask in logs (a probe: the series' and capacity's logarithms)")
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    shared = os.environ.get("HEADROOM_SHARED_DATA", os.path.join(os.path.dirname(__file__), "../../shared/data"))
    cases = cases_of(os.path.join(shared, "m4/Weekly-train.csv"))
    tmp = tempfile.mkdtemp()
    answers, started, bands = [], time.time(), ""
    for h, g in cases.groupby("h"):  # one call per h (28 and 52), as the baseline does
        pd.concat(pd.DataFrame({"series": c.series, "value": np.log(c.fit) if a.log else c.fit,
                                "timestamp": W0 + pd.to_timedelta(7 * np.arange(len(c.fit)), "D")})
                  for c in g.itertuples()).to_csv(f"{tmp}/fit.csv", index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        g.assign(capacity=np.log(g.capacity) if a.log else g.capacity)[["series", "capacity"]].to_csv(f"{tmp}/caps.csv", index=False, float_format="%.17g")
        run = subprocess.run([a.bin, "saturation", "--input", f"{tmp}/fit.csv", "--capacities", f"{tmp}/caps.csv",
                              "--horizon", str(h), "--output", f"{tmp}/sat.csv", *a.extra],
                             capture_output=True, text=True)
        if run.returncode not in (0, 3):  # 3: some series failed, the rest were written
            raise SystemExit(run.stderr)
        answers.append(pd.read_csv(f"{tmp}/sat.csv"))
        if h == 52:
            bands = band_coverage(a.bin, tmp, g, [f for f in a.extra if f != "--pool-history"])
    took = time.time() - started
    sat = pd.concat(answers).set_index("series").reindex(cases.series)  # a failed series: all NaN
    week = lambda col: ((pd.to_datetime(sat[col], utc=True) - W0).dt.days // 7).to_numpy()
    lo, mid, hi = week("p10_at"), week("p50_at"), week("p90_at")
    s = score(cases, sat.probability.to_numpy(), lo, mid, hi)
    print(f"cases {s['cases']}, crossing {s['crossing']}, Brier {s['brier']:.3f}, AUC {s['auc']:.3f}, "
          f"date right {s['date_right']:.1f} %, plateau right {s['plateau_right']:.1f} %, "
          f"median abs err {s['median_err']:.1f} weeks ({took:.1f} s)")
    print("targets: Brier <= 0.072, AUC >= 0.728, date right >= 80 %, plateau right >= 90 %")
    print(bands)
    if a.cases:
        out = cases[["series", "h", "capacity", "actual"]].copy()
        out["n_fit"] = cases.fit.map(len)
        out["probability"], out["p10"], out["p50"], out["p90"] = sat.probability.to_numpy(), lo, mid, hi
        out["model"] = sat.model.to_numpy() if "model" in sat else ""
        out.to_csv(a.cases, index=False)


if __name__ == "__main__":
    main()
