#!/usr/bin/env python3
"""Compare two saturation CSVs of the same series (a slow answer and a fast one):
status identical, probability within 0.02, p50_at within one step; prints the
counts and every row outside these, and exits 1 when there is one.

    python3 benches/compare_saturation.py SLOW.csv FAST.csv [--step-seconds 3600]
"""
import argparse
import csv
import sys
from datetime import datetime


def rows(path):
    with open(path, newline="") as f:
        return {r["series"]: r for r in csv.DictReader(f)}


def when(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("slow")
    ap.add_argument("fast")
    ap.add_argument("--step-seconds", type=float, default=3600.0)
    ap.add_argument("--tolerance", type=float, default=0.02)
    a = ap.parse_args()
    slow, fast = rows(a.slow), rows(a.fast)
    if slow.keys() != fast.keys():
        sys.exit(f"different series: {len(slow)} against {len(fast)}")
    same = identical = 0
    worst_p = worst_steps = 0.0
    out = []
    for name, s in slow.items():
        f = fast[name]
        identical += s == f
        dp = abs(float(s["probability"]) - float(f["probability"]))
        worst_p = max(worst_p, dp)
        why = []
        if s["status"] != f["status"]:
            why.append(f"status {s['status']} -> {f['status']}")
        if dp > a.tolerance:
            why.append(f"probability {s['probability']} -> {f['probability']}")
        for col in ("p10_at", "p50_at", "p90_at"):
            ts, tf = when(s[col]), when(f[col])
            if (ts is None) != (tf is None):
                if col == "p50_at":
                    why.append(f"{col} {s[col] or '-'} -> {f[col] or '-'}")
            elif ts is not None:
                steps = abs((ts - tf).total_seconds()) / a.step_seconds
                if col == "p50_at":
                    worst_steps = max(worst_steps, steps)
                    if steps > 1:
                        why.append(f"{col} {s[col]} -> {f[col]} ({steps:g} steps)")
        if why:
            out.append(f"  {name}: " + "; ".join(why))
        else:
            same += 1
    print(
        f"{len(slow)} series: {identical} rows identical, {same} within the tolerances "
        f"(status, probability {a.tolerance}, p50_at one step); largest probability "
        f"difference {worst_p:.4f}, largest p50_at difference {worst_steps:g} steps"
    )
    print("\n".join(out))
    sys.exit(1 if out else 0)


if __name__ == "__main__":
    main()
