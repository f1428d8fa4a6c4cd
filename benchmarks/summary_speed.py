#!/usr/bin/env python3
"""How long the layer table takes, for every registered model at its paper's input size.

For each model, in the same run:

    build       netlib.build(name) (not part of the table; the app builds once per model)
    summarize   netlib.summarize(model), the cache cleared first: what a first click costs
    cached      netlib.summarize(model) again: every later click on the same model
    keras       Keras' own model.summary(), written to a StringIO (shapes and params only)
    ratio       summarize / keras: the full table (MACs, receptive fields, blocks) against
                Keras' plain one

Each figure is the median of --repeats runs (build: of --build-repeats, 1 by default, as a
large network takes seconds). Target: summarize under 1 s for every model up to ResNet-152.

    python benchmarks/summary_speed.py [PATTERN] [--repeats 5] [--build-repeats 1]
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 1.0


def median_time(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def keras_summary(model) -> str:
    buffer = io.StringIO()
    model.summary(print_fn=lambda line, line_break=True: buffer.write(line + "\n"))
    return buffer.getvalue()


def measure(name: str, repeats: int, build_repeats: int) -> dict:
    import keras

    import netlib
    from netlib.inspect import clear_cache

    def build():
        keras.backend.clear_session()
        gc.collect()
        return netlib.build(name)

    build_s, model = median_time(build, build_repeats)

    def fresh_summary():
        clear_cache()
        return netlib.summarize(model)

    summarize_s, summary = median_time(fresh_summary, repeats)
    cached_s, _ = median_time(lambda: netlib.summarize(model), repeats)
    keras_s, _ = median_time(lambda: keras_summary(model), repeats)
    return {"model": name, "rows": len(summary.rows), "build": build_s,
            "summarize": summarize_s, "cached": cached_s, "keras": keras_s}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pattern", nargs="?", default=None, help="e.g. 'resnet*'")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--build-repeats", type=int, default=1)
    args = parser.parse_args(argv)

    import keras

    import netlib
    from netlib.inspect.render import columns

    names = netlib.list_models(args.pattern)
    if not names:
        print(f"No model matches {args.pattern!r}.", file=sys.stderr)
        return 2
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Keras {keras.__version__} ({keras.backend.backend()}), load average {load:.1f}; "
          f"medians of {args.repeats} (build: {args.build_repeats})", flush=True)
    results = []
    for name in names:
        results.append(measure(name, args.repeats, args.build_repeats))
        print(f"  {name}: done", file=sys.stderr, flush=True)

    headers = ("Model", "Rows", "Build s", "Summarize s", "Cached ms", "Keras summary s",
               "Ratio")
    aligns = ("left",) + ("right",) * 6
    rows = [[r["model"], str(r["rows"]), f"{r['build']:.2f}", f"{r['summarize']:.3f}",
             f"{r['cached'] * 1000:.2f}", f"{r['keras']:.3f}",
             f"{r['summarize'] / r['keras']:.2f}x"] for r in results]
    print("\n".join(columns(headers, aligns, rows)))
    slow = [r["model"] for r in results if r["summarize"] > TARGET_S]
    ratios = [r["summarize"] / r["keras"] for r in results]
    print(f"Ratio = summarize / Keras model.summary(): median {statistics.median(ratios):.2f}x, "
          f"worst {max(ratios):.2f}x. Slowest summarize: "
          f"{max(results, key=lambda r: r['summarize'])['model']} "
          f"{max(r['summarize'] for r in results):.3f} s.")
    print(f"Over the {TARGET_S:.0f} s target: {', '.join(slow) if slow else 'none'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
