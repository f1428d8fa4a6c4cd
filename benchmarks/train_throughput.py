#!/usr/bin/env python3
"""Training images per second: ConvLab's networks against keras.applications, and the
input pipeline against data that costs nothing.

Architectures (default mode), in the same run, same batch, precision and backend:

    resnet50      vs keras.applications.ResNet50     (ConvLab's use_bias=True, as Keras)
    mobilenet_v2  vs keras.applications.MobileNetV2
    vgg16         vs keras.applications.VGG16

Both models get the same synthetic float32 batches and are trained with `fit` (SGD,
sparse cross-entropy); each step is timed from its start to its loss being read, a
window is `--steps` steps, the first `--warmup` windows (tracing, compilation,
allocation) are left out, and the figure is the median of `--windows` windows, each side
run `--rounds` times in A-B, B-A order. Ratio = ConvLab / Keras; target >= 1.0 on the CPU
and a GPU.

Input pipeline (`--from-folder [FOLDER]`): a real folder (default: generated shapes)
goes through the trainer's own path, netlib.data's scan -> memory-mapped cache ->
ImageBatches -> the training model (uint8 in, preprocessing inside), against the same
model fed the same batches from a list in memory. Ratio = folder / memory; target >= 0.95
(the pipeline never starves the device). The time to assemble one batch from the cache
is printed too, as a share of a step: a figure the machine's load barely moves.

    python benchmarks/train_throughput.py [--models resnet50,vgg16] [--batch 8]
                                          [--size 96] [--precision mixed]
    python benchmarks/train_throughput.py --from-folder [FOLDER] [--models lenet5]
    KERAS_BACKEND=jax python benchmarks/train_throughput.py ...

Defaults follow the device: on a CPU, batch 8 at 96x96 (a full ResNet-50 step at 224 takes
seconds on two cores); on a GPU, batch 64 at 224x224. Timings on a shared machine move
with its load: compare ratios taken in the same run only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

CLASSES = 10
# ConvLab name -> (keras.applications class name, ConvLab options that match Keras' model)
PAIRS = {
    "resnet50": ("ResNet50", {"use_bias": True}),
    "mobilenet_v2": ("MobileNetV2", {}),
    "vgg16": ("VGG16", {}),
}


def step_timer():
    """A Keras callback that records how long each training step takes, from the step's
    start to its loss being read (which waits for the device)."""
    import keras

    class StepTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_train_batch_begin(self, batch, logs=None):
            self._start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            float((logs or {}).get("loss", 0.0))
            self.seconds.append(time.perf_counter() - self._start)

    return StepTimer()


def images_per_second(model, data, batch: int, steps: int, warmup: int, windows: int) -> float:
    """Median training images per second over `windows` windows of `steps` steps each,
    after `warmup` windows. A window's time is the sum of its steps' times (fetching the
    batch, the step, reading its loss), not Keras' per-epoch bookkeeping, which is the
    same for both sides and only adds noise."""
    timer = step_timer()
    if isinstance(data, tuple):
        x, y = data
        model.fit(x, y, batch_size=batch, epochs=warmup + windows, verbose=0,
                  callbacks=[timer], shuffle=False)
    else:
        epochs = -(-(warmup + windows) * steps // len(data))
        model.fit(data, epochs=epochs, verbose=0, callbacks=[timer])
    seconds = timer.seconds[warmup * steps :]
    sums = [sum(seconds[i : i + steps]) for i in range(0, steps * windows, steps)]
    return batch * steps / statistics.median(sums)


def _alternating(keys: list[str], rounds: int) -> list[list[str]]:
    """A, B, then B, A, ...: each side goes first as often as the other, so that a drift
    in the machine's load (or a warm cache) favours neither."""
    return [keys if r % 2 == 0 else keys[::-1] for r in range(rounds)]


def _print_rounds(rates: dict[str, list[float]]) -> None:
    """Each round's figure, so that the spread (machine load) is visible beside the median."""
    spread = ", ".join(f"{k} {' '.join(f'{v:.1f}' for v in r)}" for k, r in rates.items())
    print(f"  rounds (img/s): {spread}")


def compile_for_benchmark(model):
    import keras

    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(),
    )
    return model


def set_precision(precision: str) -> None:
    import keras

    keras.config.set_dtype_policy("mixed_float16" if precision == "mixed" else "float32")


# ------------------------------------------------------------------ architectures


def compare_architectures(args) -> None:
    import keras

    import netlib

    size, batch = args.size, args.batch
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (batch * args.steps, size, size, 3)).astype("float32")
    y = rng.integers(0, CLASSES, batch * args.steps).astype("int32")
    print(f"{'model':14} {'ConvLab img/s':>14} {'Keras img/s':>12} {'ratio':>6}")
    for name in args.models:
        if name not in PAIRS or PAIRS[name][0] is None:
            raise SystemExit(
                f"No keras.applications counterpart for {name!r}; choose from "
                f"{', '.join(k for k, v in PAIRS.items() if v[0])}."
            )
        application, options = PAIRS[name]
        set_precision(args.precision)
        ours = compile_for_benchmark(
            netlib.build(name, input_shape=(size, size, 3), classes=CLASSES, **options)
        )
        theirs = compile_for_benchmark(
            getattr(keras.applications, application)(
                weights=None, input_shape=(size, size, 3), classes=CLASSES
            )
        )
        if ours.count_params() != theirs.count_params():
            print(f"  note: {name} has {ours.count_params():,} parameters, "
                  f"{application} {theirs.count_params():,}")
        models = {"ours": ours, "theirs": theirs}
        rates = {"ours": [], "theirs": []}
        for order in _alternating(list(models), args.rounds):
            for key in order:
                rates[key].append(images_per_second(models[key], (x, y), batch, args.steps,
                                                    args.warmup, args.windows))
        _print_rounds(rates)
        mine, keras_rate = statistics.median(rates["ours"]), statistics.median(rates["theirs"])
        print(f"{name:14} {mine:14.1f} {keras_rate:12.1f} {mine / keras_rate:6.2f}")
        keras.backend.clear_session()


# ------------------------------------------------------------------ input pipeline


def compare_pipeline(args) -> None:
    import keras

    from netlib import data
    from netlib.train import TrainConfig
    from netlib.train.dataset import prepare_data
    from netlib.train.model import build_models, compile_for_training

    name = args.models[0]
    folder = args.from_folder
    with tempfile.TemporaryDirectory() as scratch:
        if folder == "shapes":
            count = args.batch * args.steps
            per_class = -(-count // 4)
            folder = data.make_shapes(Path(scratch) / "shapes", per_class=per_class,
                                      size=args.size, seed=0)
        config = TrainConfig.for_model(
            name, folder, image_size=args.size, batch_size=args.batch, validation=0.0,
            color_mode="rgb", mixed_precision="float16" if args.precision == "mixed" else "off",
        )
        prepared = prepare_data(config)
        train = prepared.batches("train", args.batch, shuffle=True)
        steps = len(train)
        models = build_models(config, len(prepared.classes), prepared.statistics)
        compile_for_training(models, config, len(prepared.classes), steps)
        # The baseline: the same batches, read from the cache beforehand and held in
        # memory, so that only the loading differs (same pixels, same step cost).
        preloaded = [train[i] for i in range(steps)]
        batch = len(preloaded[0][1])

        class Memory(keras.utils.PyDataset):
            """The epoch's batches from a list in memory: loading costs nothing."""

            def __len__(self):
                return steps

            def __getitem__(self, index):
                return preloaded[index]

        print(f"{name}: {prepared.count('train')} images of {args.size}x{args.size} from "
              f"{prepared.root}, batch {batch}, {steps} steps per window")
        sources = {"folder": train, "memory": Memory()}
        rates = {"folder": [], "memory": []}
        for order in _alternating(list(sources), args.rounds):
            for key in order:
                rates[key].append(images_per_second(models.training, sources[key], batch,
                                                    steps, args.warmup, args.windows))
        _print_rounds(rates)
        from_folder = statistics.median(rates["folder"])
        from_memory = statistics.median(rates["memory"])
        print(f"{'folder img/s':>14} {'memory img/s':>13} {'ratio':>6}")
        print(f"{from_folder:14.1f} {from_memory:13.1f} {from_folder / from_memory:6.2f}")
        # What the folder costs per step, measured alone (little moved by the load):
        loading = _seconds_per_batch(train)
        step = batch / from_memory
        print(f"  assembling a batch from the cache: {loading * 1e3:.3f} ms, "
              f"{loading / step:.3%} of a training step")


def _seconds_per_batch(batches, passes: int = 20) -> float:
    """Mean time of `batches[i]` over `passes` epochs (reshuffled between them)."""
    start = time.perf_counter()
    for _ in range(passes):
        for index in range(len(batches)):
            batches[index]
        batches.on_epoch_end()
    return (time.perf_counter() - start) / (passes * len(batches))


# ------------------------------------------------------------------ main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=None,
                        help="comma-separated (default: resnet50,mobilenet_v2,vgg16; "
                        "with --from-folder: resnet20 on a CPU, resnet50 on a GPU)")
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--steps", type=int, default=None, help="steps per timed window")
    parser.add_argument("--windows", type=int, default=5, help="timed windows (median)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed windows first")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternate the two sides this many times (median over rounds)")
    parser.add_argument("--precision", choices=("float32", "mixed"), default="float32")
    parser.add_argument("--from-folder", nargs="?", const="shapes", default=None,
                        metavar="FOLDER", help="time the input pipeline (default folder: "
                        "generated shapes)")
    args = parser.parse_args(argv)

    from netlib import backend

    device = backend.describe_device()
    gpu = device != "CPU"
    args.batch = args.batch or (64 if gpu else (32 if args.from_folder else 8))
    args.size = args.size or (224 if gpu else (32 if args.from_folder else 96))
    args.steps = args.steps or (20 if gpu else 4)
    default_models = (
        ("resnet50" if gpu else "resnet20") if args.from_folder else "resnet50,mobilenet_v2,vgg16"
    )
    args.models = (args.models or default_models).split(",")
    print(f"Device: {device} | Keras backend: {backend.name()} | batch {args.batch}, "
          f"{args.size}x{args.size}, {args.precision}, median of {args.windows} windows "
          f"of {args.steps} steps after {args.warmup} warm-up")
    if args.from_folder:
        compare_pipeline(args)
    else:
        compare_architectures(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
