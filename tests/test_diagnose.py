"""Validation that disagrees with training in a way that means something is wrong: judged
from epoch rows, and said during a real run."""

import math
import random
import shutil

import pytest

from netlib import data
from netlib.train import LogMessage, TrainConfig, Trainer
from netlib.train.diagnose import diagnose


def _row(epoch, loss, accuracy, val_loss, val_accuracy):
    return dict(epoch=epoch, loss=loss, accuracy=accuracy, val_loss=val_loss,
                val_accuracy=val_accuracy)


def test_ordinary_overfitting_is_not_a_problem():
    rows = [_row(1, 1.5, 0.5, 1.6, 0.45), _row(2, 0.4, 0.9, 0.9, 0.7), _row(3, 0.1, 0.99, 1.2, 0.72)]
    assert diagnose(rows, classes=10) == []


def test_validation_at_chance_while_training_climbs():
    rows = [_row(1, 2.0, 0.3, 2.3, 0.10), _row(2, 0.5, 0.85, 2.31, 0.11), _row(3, 0.1, 0.99, 2.3, 0.1)]
    (found,) = diagnose(rows, classes=10, learning_rate=0.01)
    assert (found.kind, found.epoch) == ("at chance", 2)
    assert "11.0%" in found.message and "0.001" in found.message
    # With one class holding most images, guessing it is chance, not 1 / classes.
    assert diagnose(rows, classes=10, chance=0.05)[0].kind == "at chance"
    assert diagnose([_row(2, 0.5, 0.95, 1.0, 0.62)], classes=2, chance=0.6)[0].kind == "at chance"


def test_a_validation_loss_blow_up_and_divergence():
    rows = [_row(1, 1.2, 0.6, 1.3, 0.55), _row(2, 0.6, 0.8, 1700.0, 0.4),
            _row(3, math.nan, math.nan, math.nan, math.nan)]
    kinds = [(d.kind, d.epoch) for d in diagnose(rows, classes=6)]
    assert kinds == [("loss blow-up", 2), ("diverged", 3)]
    # Twice the training loss, or below twice the loss of guessing, is not a blow-up.
    assert diagnose([_row(2, 0.3, 0.9, 3.0, 0.6)], classes=6) == []


@pytest.mark.slow
def test_a_run_whose_validation_sits_at_chance_is_warned_about(tmp_path):
    # Digits filed under random classes: the network can learn the training images by
    # heart, and nothing of it carries over to the validation images.
    random.seed(4)
    images = [p for c in sorted(data.digits_folder().iterdir()) if c.is_dir()
              for p in sorted(c.iterdir())[:20]]
    for i, image in enumerate(images):
        target = tmp_path / "shuffled" / str(random.randrange(5))
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(image, target / f"{i}.png")
    config = TrainConfig.for_model("lenet5", tmp_path / "shuffled", epochs=20, batch_size=16,
                                   learning_rate=3e-3, validation=0.3)
    warnings = []
    Trainer(config, runs_dir=tmp_path / "runs").fit(
        events=lambda e: warnings.append(e.text)
        if isinstance(e, LogMessage) and e.level == "warning" else None)
    assert any(text.startswith("Validation accuracy") and "at chance" in text
               for text in warnings), warnings
