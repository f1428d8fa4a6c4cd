#!/usr/bin/env python3
"""How long the layer table takes, for every registered model at its paper's input size.

For each model, in the same run:

    first click  build + summarize + store: what the app's first click on a network costs
                 (netlib.inspect.store.summarize_config, at the paper's class count)
    disk         the same table read back from the disk cache: every later click, in this
                 session or the next (until the network's code or Keras changes)
    summarize    netlib.summarize(model) alone, its in-memory cache cleared first
    keras        Keras' own model.summary(), written to a StringIO (shapes and params only)
    ratio        summarize / keras: the full table (MACs, receptive fields, blocks) against
                 Keras' plain one

Each figure is the median of --repeats runs (first click: of --build-repeats, 1 by
default, as a large network takes seconds). Target: under 1 s for every model up to
ResNet-152; the first click is reported against it, and the disk read.

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
import tempfile
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


def measure(name: str, repeats: int, build_repeats: int, folder: Path) -> dict:
    import keras

    import netlib
    from netlib.inspect import clear_cache
    from netlib.inspect.store import stored_summary, summarize_config

    def first_click():
        for entry in folder.glob(f"{name}-*.json"):
            entry.unlink()
        keras.backend.clear_session()
        gc.collect()
        return summarize_config(name, folder=folder)

    first_s, _ = median_time(first_click, build_repeats)
    disk_s, _ = median_time(lambda: stored_summary(name, folder=folder), repeats)

    keras.backend.clear_session()
    gc.collect()
    model = netlib.build(name)

    def fresh_summary():
        clear_cache()
        return netlib.summarize(model)

    summarize_s, summary = median_time(fresh_summary, repeats)
    keras_s, _ = median_time(lambda: keras_summary(model), repeats)
    return {"model": name, "rows": len(summary.rows), "first": first_s, "disk": disk_s,
            "summarize": summarize_s, "keras": keras_s}


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
    with tempfile.TemporaryDirectory(prefix="convlab-summaries-") as folder:
        for name in names:
            results.append(measure(name, args.repeats, args.build_repeats, Path(folder)))
            print(f"  {name}: done", file=sys.stderr, flush=True)

    headers = ("Model", "Rows", "First click s", "Disk ms", "Summarize s", "Keras summary s",
               "Ratio")
    aligns = ("left",) + ("right",) * 6
    rows = [[r["model"], str(r["rows"]), f"{r['first']:.2f}", f"{r['disk'] * 1000:.1f}",
             f"{r['summarize']:.3f}", f"{r['keras']:.3f}",
             f"{r['summarize'] / r['keras']:.2f}x"] for r in results]
    print("\n".join(columns(headers, aligns, rows)))
    slow = [f"{r['model']} ({r['first']:.1f} s)" for r in results if r["first"] > TARGET_S]
    slowest_disk = max(results, key=lambda r: r["disk"])
    ratios = [r["summarize"] / r["keras"] for r in results]
    print(f"Ratio = summarize / Keras model.summary(): median {statistics.median(ratios):.2f}x, "
          f"worst {max(ratios):.2f}x. Slowest summarize: "
          f"{max(results, key=lambda r: r['summarize'])['model']} "
          f"{max(r['summarize'] for r in results):.3f} s.")
    print(f"First click over the {TARGET_S:.0f} s target: {', '.join(slow) if slow else 'none'}.")
    print(f"Later clicks (disk): slowest {slowest_disk['model']} "
          f"{slowest_disk['disk'] * 1000:.0f} ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
