#!/usr/bin/env python3
"""Fine-tuning: what a frozen base saves per epoch, and what a pretrained start is worth.

Speed (the trainer's own models, same batches, same run): training images per second of

    frozen      an epoch of the frozen phase (only the new classifier trains: the base
                has no backward pass), against
    full        an epoch of full fine-tuning (every layer trains);
    once        the frozen phase with the base's features computed once (possible where
                the frozen phase has no augmentation): one forward pass of the base, then
                epochs of the classifier alone, per epoch over `--epochs` epochs.

Ratios frozen / full and once / full; expect the frozen phase several times faster. The
base is MobileNetV2 with weights from a file written here (random: no download), at
`--size` pixels.

Accuracy (`--accuracy`, the default too): fine-tuned against from scratch at equal epochs
on a small folder. With no network here there are no ImageNet weights, so the pretrained
start is an earlier run: LeNet-5 trained on 120 images of each of the digits 0-6, then, on
ten training images per class (and 40 more each to validate, none of them the base's), of
the digits 7, 8 and 9, and of odd against even digits: the base frozen with a new classifier ("frozen"), frozen then fine-tuned
("fine-tuned"), and the same network from scratch ("scratch"), over several seeds.

    python benchmarks/fine_tune.py [--speed-only | --accuracy-only] [--size 96] [--batch 16]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from train_throughput import _alternating, _print_rounds, images_per_second  # noqa: E402

TRAIN_PER_CLASS, VALIDATION_PER_CLASS = 10, 40
BASE_PER_CLASS = 120  # the base's images of each digit; the targets use the later ones
SEEDS = (0, 1, 2)


# ----------------------------------------------------------------------------- speed


def speed(args, workdir: Path) -> None:
    import keras
    import numpy as np

    from netlib import data, registry
    from netlib.train import TrainConfig
    from netlib.train.dataset import prepare_data
    from netlib.train.fine_tuning import Phase, resolve_start, set_trainable
    from netlib.train.model import build_models, compile_for_training

    sys.path.insert(0, str(HERE.parent / "tests"))
    from weights_files import randomize, save_legacy

    source = randomize(registry.build("mobilenet_v2", input_shape=args.size, include_top=False))
    path = save_legacy(source, workdir / "mobilenet_v2_notop.h5")
    count = args.batch * args.steps
    folder = data.make_shapes(workdir / "shapes", per_class=-(-count // 4), size=args.size)
    config = TrainConfig.for_model("mobilenet_v2", folder, weights=str(path), image_size=args.size,
                                   batch_size=args.batch, validation=0.0, augment=None)
    prepared = prepare_data(config)
    batches = prepared.batches("train", args.batch, shuffle=True)
    start = resolve_start(config)
    rates = {"frozen": [], "full": []}
    models = {}
    for name in rates:
        built = build_models(config, len(prepared.classes), prepared.statistics,
                             preprocessing=start.preprocessing_layers())
        loaded = set(start.load_into(built.network).loaded)
        set_trainable(built.network, Phase("frozen" if name == "frozen" else "fine-tuning", 0, 1),
                      loaded, config)
        compile_for_training(built, config, len(prepared.classes), len(batches))
        models[name] = built
    print(f"mobilenet_v2 from a weights file: {prepared.count('train')} images of "
          f"{args.size}x{args.size}, batch {args.batch}, {len(batches)} steps per window")
    for order in _alternating(list(models), args.rounds):
        for name in order:
            rates[name].append(images_per_second(models[name].training, batches, args.batch,
                                                 len(batches), args.warmup, args.windows))
    _print_rounds(rates)
    frozen, full = statistics.median(rates["frozen"]), statistics.median(rates["full"])

    # Features once: the base's forward pass over the folder, then the classifier alone.
    network = models["frozen"].network
    pooled = keras.Model(network.inputs, network.get_layer("avg_pool").output)
    extractor = keras.Sequential([*models["frozen"].preprocessing, pooled]) \
        if models["frozen"].preprocessing else pooled
    images = np.concatenate([batches[i][0] for i in range(len(batches))])
    labels = np.concatenate([batches[i][1] for i in range(len(batches))])
    extractor.predict(images[: args.batch], verbose=0)  # traced before it is timed
    began = time.perf_counter()
    features = extractor.predict(images, batch_size=args.batch, verbose=0)
    forward = time.perf_counter() - began
    head = keras.Sequential([keras.Input(features.shape[1:]),
                             keras.layers.Dense(len(prepared.classes), activation="softmax")])
    head.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    head_rate = images_per_second(head, (features, labels), args.batch, len(batches),
                                  args.warmup, args.windows)
    per_epoch = forward / args.epochs + len(images) / head_rate
    once = len(images) / per_epoch
    print(f"{'frozen img/s':>13} {'full img/s':>11} {'ratio':>6} {'once img/s':>11} {'ratio':>6}")
    print(f"{frozen:13.1f} {full:11.1f} {frozen / full:6.2f} {once:11.1f} {once / full:6.2f}")
    print(f"  once: the base's forward pass ({forward:.1f} s) shared by {args.epochs} epochs, "
          f"the classifier alone at {head_rate:,.0f} img/s")


# ----------------------------------------------------------------------------- accuracy


def _copy(folder: Path, classes: dict[str, list[int]], per_class: int, skip: int = 0) -> Path:
    """`folder`/<class>/ with `per_class` digits images of the class' digits (spread evenly
    over them), from the `skip`-th image of each digit on."""
    from netlib import data

    for name, digits in classes.items():
        (folder / name).mkdir(parents=True)
        share = -(-per_class // len(digits))
        for digit in digits:
            images = sorted((data.digits_folder() / str(digit)).iterdir())[skip : skip + share]
            for image in images:
                shutil.copy(image, folder / name / f"{digit}-{image.name}")
    return folder


def accuracy(args, workdir: Path) -> None:
    from netlib.runs import RunFolder
    from netlib.train import Finished, TrainConfig, Trainer

    base_folder = _copy(workdir / "base", {str(d): [d] for d in range(7)}, BASE_PER_CLASS)
    base = Trainer(TrainConfig.for_model("lenet5", base_folder, seed=0),
                   runs_dir=workdir / "runs").fit()
    assert isinstance(base, Finished), base
    print(f"base: LeNet-5 on the digits 0-6, {base.message}")
    share = VALIDATION_PER_CLASS / (TRAIN_PER_CLASS + VALIDATION_PER_CLASS)
    targets = {
        "7, 8, 9": {str(d): [d] for d in (7, 8, 9)},
        "odd/even": {"even": [0, 2, 4, 6, 8], "odd": [1, 3, 5, 7, 9]},
    }
    epochs = args.accuracy_epochs
    starts = {
        "frozen": dict(weights=str(base.run_dir), freeze_epochs=epochs),
        "fine-tuned": dict(weights=str(base.run_dir), freeze_epochs=epochs // 2,
                           fine_tune_lr_scale=0.1),
        "scratch": {},
    }
    print(f"\n{TRAIN_PER_CLASS} training and {VALIDATION_PER_CLASS} validation images per "
          f"class, {epochs} epochs, batch 32; best validation accuracy, seeds {SEEDS}:")
    print(f"{'target':10} " + " ".join(f"{name:>22}" for name in starts))
    for target, classes in targets.items():
        # Images the base never saw: past those it trained on.
        folder = _copy(workdir / target.replace("/", "-").replace(", ", ""), classes,
                       TRAIN_PER_CLASS + VALIDATION_PER_CLASS, skip=BASE_PER_CLASS)
        cells = []
        for name, start in starts.items():
            scores = []
            for seed in SEEDS:
                config = TrainConfig.for_model(
                    "lenet5", folder, epochs=epochs, validation=share, seed=seed,
                    batch_size=32, learning_rate=1e-3, **start)
                outcome = Trainer(config, runs_dir=workdir / "runs").fit()
                assert isinstance(outcome, Finished), outcome
                rows = RunFolder(outcome.run_dir).metrics()
                scores.append(max(r["val_accuracy"] for r in rows))
            cells.append(f"{min(scores):.2f}-{max(scores):.2f} (mean {statistics.mean(scores):.2f})")
        print(f"{target:10} " + " ".join(f"{cell:>22}" for cell in cells))


# ----------------------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=4, help="steps per timed window")
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=10,
                        help="epochs that share the features computed once")
    parser.add_argument("--accuracy-epochs", type=int, default=30)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--speed-only", action="store_true")
    which.add_argument("--accuracy-only", action="store_true")
    args = parser.parse_args(argv)

    from netlib import backend

    print(f"Device: {backend.describe_device()} | Keras backend: {backend.name()}")
    with tempfile.TemporaryDirectory() as scratch:
        if not args.accuracy_only:
            speed(args, Path(scratch))
        if not args.speed_only:
            accuracy(args, Path(scratch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
