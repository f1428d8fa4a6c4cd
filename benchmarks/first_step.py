#!/usr/bin/env python3
"""Seconds to a network's first training epoch on TensorFlow: Keras' `fit` as it comes,
against `fit` after netlib.backend.build_before_fit (the optimizer's and the metrics'
variables made before the step is traced, so that TensorFlow traces it once, not twice).

Each network is built anew for each measurement and trained for one epoch of 4 batches of
random images at 32 px with Adam and the metrics the Trainer compiles; the two ways
alternate, `--repeat` times each, and the medians are printed with their ratio. Most of
an epoch this short is building the step's graph, which is what a user waits for before
the first batch of every run.

    python benchmarks/first_step.py [--models lenet5,resnet20,mobilenet_v2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

BATCH, BATCHES, SIZE, CLASSES = 32, 4, 32, 10


def one_epoch(name: str, build_first: bool) -> float:
    """Seconds for compile + (build_before_fit) + one epoch of `name` from a fresh build."""
    import keras

    import netlib
    from netlib import backend

    keras.backend.clear_session()
    channels = netlib.model_info(name).input_shape[-1]
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (BATCH * BATCHES, SIZE, SIZE, channels)).astype("float32")
    y = rng.integers(0, CLASSES, BATCH * BATCHES)
    model = netlib.build(name, input_shape=(SIZE, SIZE, channels), classes=CLASSES)
    start = time.perf_counter()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    if build_first:
        backend.build_before_fit(model, (x[:BATCH], y[:BATCH]))
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="lenet5,resnet20,mobilenet_v2")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    import keras

    if keras.backend.backend() != "tensorflow":
        print("build_before_fit changes nothing on the", keras.backend.backend(), "backend")
        return 0
    print(f"CPU cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}; "
          f"one epoch of {BATCHES} batches of {BATCH} at {SIZE} px; medians of {args.repeat}")
    one_epoch("lenet5", True)  # TensorFlow's start-up, not counted
    print(f"{'network':14s} {'keras fit':>10s} {'built first':>12s} {'ratio':>7s}")
    for name in args.models.split(","):
        plain, built = [], []
        for _ in range(args.repeat):
            plain.append(one_epoch(name, False))
            built.append(one_epoch(name, True))
        a, b = float(np.median(plain)), float(np.median(built))
        print(f"{name:14s} {a:9.1f}s {b:11.1f}s {a / b:6.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
