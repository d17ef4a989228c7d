"""Run every benchmark: python -m bench [--quick] [--only local,polling,app,cli] [--json FILE]

Prints each figure's measured value beside its target and whether it holds, and writes the
same as JSON (default bench/results/latest.json). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import psutil

from . import bench_app, bench_cli, bench_local, bench_polling
from .harness import ROOT, Figure

SUITES = {
    "local": bench_local.run,
    "polling": bench_polling.run,
    "app": bench_app.run,
    "cli": bench_cli.run,
}


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs and sizes")
    parser.add_argument("--only", default="local,polling,app,cli", help="comma-separated suites")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()

    started = time.monotonic()
    figures: list[Figure] = []
    print(f"{'figure':<58} {'measured':>9} {'unit':<6} {'target':<14} verdict")
    for name in args.only.split(","):
        print(f"--- {name}", flush=True)
        for figure in SUITES[name](quick=args.quick):
            figures.append(figure)
            print(figure.row(), flush=True)
            if figure.detail:
                print(f"    {figure.detail}", flush=True)
    elapsed = time.monotonic() - started
    missed = [f.name for f in figures if f.holds is False]
    print(
        f"\n{len(figures)} figures in {elapsed:.0f} s; "
        f"{'all targets hold' if not missed else f'{len(missed)} target(s) missed'}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%d %H:%M:%S"),
                "machine": machine(),
                "seconds": round(elapsed, 1),
                "figures": [f.as_dict() for f in figures],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written to {args.json}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
