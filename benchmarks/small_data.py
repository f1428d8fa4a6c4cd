#!/usr/bin/env python3
"""How well each family learns a small folder from scratch with its own defaults: the
README's table, measured on this machine.

For every family (one network each), train with the family's "default" recipe (and, with
`--recipe paper`, or `--recipe default,paper` for both, the papers' settings as the
baseline) on:

    digits   the bundled 1,797 handwritten digits, as RGB, at the recipe's image size
    shapes   a generated folder of 400 coloured shapes in 4 classes (netlib.data.make_shapes)

and print best validation accuracy, the epoch it came at, the epochs run and the minutes
they took, as a Markdown table (with `--json FILE`, the rows as JSON too). Every run is a
real `Trainer` run, as `python main.py train FOLDER --model NAME` does it, with the
validation split of the defaults; the figure of merit is the best validation accuracy
(what best.keras holds under monitor=val_accuracy, and close to it under val_loss).

    python benchmarks/small_data.py                       # every family, both folders
    python benchmarks/small_data.py --models vgg11,nin_cifar --data digits
    python benchmarks/small_data.py --recipe default,paper --epochs 5
    python benchmarks/small_data.py --models resnet20 --set learning_rate=0.003

A whole table takes about an hour on a 2-core CPU; timings move with the machine's load,
accuracies do not (each run is seeded).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: One network per family, the ones the README's table shows.
FAMILIES = (
    "lenet5", "alexnet", "nin_cifar", "vgg11", "googlenet", "resnet20", "resnet18",
    "mobilenet", "mobilenet_v2", "efficientnet_b0",
)
SHAPES_PER_CLASS = 100


def folders(which: list[str], workdir: Path) -> dict[str, Path]:
    from netlib import data

    found = {}
    if "digits" in which:
        found["digits"] = data.digits_folder()
    if "shapes" in which:
        found["shapes"] = data.make_shapes(workdir / "shapes", per_class=SHAPES_PER_CLASS,
                                           size=64, seed=0)
    return found


def train_once(model: str, folder: Path, recipe: str, settings: list[str], epochs: int | None,
               runs: Path) -> dict:
    from netlib.train import EpochEnd, Finished, TrainConfig, Trainer

    overrides = {"color_mode": "rgb"}
    if epochs is not None:
        overrides["epochs"] = epochs
    config = TrainConfig.for_model(model, folder, recipe=recipe, **overrides)
    config = config.with_settings(settings)
    epochs_seen: list[EpochEnd] = []
    started = time.perf_counter()
    outcome = Trainer(config, runs_dir=runs).fit(
        events=lambda e: epochs_seen.append(e) if isinstance(e, EpochEnd) else None)
    minutes = (time.perf_counter() - started) / 60
    best = max(epochs_seen, key=lambda e: (e.val_accuracy, -e.epoch), default=None)
    return {
        "model": model,
        "data": folder.name,
        "recipe": recipe,
        "image_size": config.input_shape()[0],
        "epochs": len(epochs_seen),
        "best_val_accuracy": best.val_accuracy if best else math.nan,
        "best_epoch": best.epoch if best else 0,
        "final_train_accuracy": epochs_seen[-1].accuracy if epochs_seen else math.nan,
        "minutes": minutes,
        "finished": isinstance(outcome, Finished),
        "message": outcome.message,
    }


def table(rows: list[dict]) -> str:
    lines = [
        "| family | data | recipe | size | best validation | at epoch | epochs | train acc | minutes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['data']} | {r['recipe']} | {r['image_size']} | "
            f"{r['best_val_accuracy']:.1%} | {r['best_epoch']} | {r['epochs']} | "
            f"{r['final_train_accuracy']:.1%} | {r['minutes']:.1f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(FAMILIES))
    parser.add_argument("--data", default="digits,shapes", help="digits, shapes or both")
    parser.add_argument("--recipe", default="default", help="default, paper, or both")
    parser.add_argument("--epochs", type=int, default=None, help="instead of the recipe's")
    parser.add_argument("--set", action="append", default=[], dest="settings",
                        metavar="KEY=VALUE", help="a setting on top of the recipe")
    parser.add_argument("--json", metavar="FILE", help="also write the rows here")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="convlab-small-data-") as workdir:
        work = Path(workdir)
        for name, folder in folders(args.data.split(","), work).items():
            for model in args.models.split(","):
                for recipe in args.recipe.split(","):
                    row = train_once(model, folder, recipe, args.settings, args.epochs,
                                     work / "runs")
                    rows.append(row)
                    print(f"{model} on {name} ({recipe}): best validation "
                          f"{row['best_val_accuracy']:.1%} at epoch {row['best_epoch']} of "
                          f"{row['epochs']}, {row['minutes']:.1f} min", flush=True)
    print()
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
