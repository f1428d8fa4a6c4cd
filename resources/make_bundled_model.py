#!/usr/bin/env python3
"""Train LeNet-5 on the bundled digits and write resources/models/lenet5_digits.keras.

    .venv/bin/python resources/make_bundled_model.py

The model is ConvLab's inference model (uint8 pixels in, class probabilities out, with
its class names and input settings inside as convlab.json) and a
lenet5_digits.classes.json beside it, so that the app's Predict page and
`python main.py predict resources/models/lenet5_digits.keras IMAGE` work before any
training. It uses the LeNet defaults of netlib.train (Adam, 15 epochs, 32x32 grey,
seed 0); the run folder it trains in is temporary.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TARGET = REPO / "resources" / "models" / "lenet5_digits.keras"


def main() -> int:
    from netlib import data
    from netlib.export import export
    from netlib.train import EpochEnd, Finished, TrainConfig, Trainer

    config = TrainConfig.for_model("lenet5", data.digits_folder(), seed=0)

    def report(event):
        if isinstance(event, EpochEnd):
            print(f"epoch {event.epoch}/{event.epochs}: val_accuracy {event.val_accuracy:.4f}")

    with tempfile.TemporaryDirectory() as runs:
        outcome = Trainer(config, runs_dir=runs).fit(events=report)
        if not isinstance(outcome, Finished):
            print(f"error: {outcome.message}", file=sys.stderr)
            return 1
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        export(outcome.run_dir, format="keras", output=TARGET)
    size = TARGET.stat().st_size
    print(f"{outcome.message}\nWrote {TARGET.relative_to(REPO)} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
