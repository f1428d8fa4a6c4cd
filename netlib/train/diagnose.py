"""When validation and training disagree in a way that means something is wrong, rather
than ordinary overfitting, and what to try. Read from a run's epoch rows (metrics.csv's),
so the CLI, the app and a run finished long ago are judged alike. No Keras.

Overfitting looks like validation accuracy levelling off below training accuracy; these
look different and each has its usual causes:
- "at chance": training accuracy climbs while validation stays at what guessing the most
  common class gives: the validation images are not seen as the training ones are (before
  ConvLab re-estimated batch-norm statistics, that was those statistics; otherwise a
  validation folder unlike the training one, or labels that do not match).
- "loss blow-up": a validation loss many times the training loss and far above the loss of
  guessing: confidently wrong predictions on unseen images, mostly a learning rate too
  high for the network (ResNet-20 on 288 photographs reached 1,700 at epoch 3).
- "diverged": the training loss is not a number.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

__all__ = ["Diagnosis", "diagnose", "at_chance"]

# Validation within this share of the way from chance to perfect counts as chance...
_CHANCE_MARGIN = 0.1
# ... while training has gone at least this share of the way.
_LEARNING_SHARE = 0.5
# A validation loss this many times the training loss, and this many times the loss of a
# uniform guess (ln classes), is a blow-up, not overfitting.
_LOSS_RATIO = 10.0
_GUESS_RATIO = 2.0


@dataclasses.dataclass(frozen=True)
class Diagnosis:
    kind: str  # "at chance", "loss blow-up", "diverged"
    epoch: int
    message: str  # what is wrong and what to try, for the user


def diagnose(
    rows: Sequence[Mapping[str, float]],
    *,
    classes: int,
    chance: float | None = None,
    learning_rate: float | None = None,
) -> list[Diagnosis]:
    """The problems the epoch rows show, each kind once, at the first epoch it shows.

    `chance` is the validation accuracy of always guessing the most common class (default
    1 / classes); `learning_rate` the run's initial rate, to suggest a lower one."""
    chance = 1.0 / max(classes, 1) if chance is None else chance
    found: dict[str, Diagnosis] = {}
    for row in rows:
        for check in (_diverged, _at_chance, _loss_blow_up):
            diagnosis = check(row, classes, chance, learning_rate)
            if diagnosis is not None and diagnosis.kind not in found:
                found[diagnosis.kind] = diagnosis
    return sorted(found.values(), key=lambda d: d.epoch)


def at_chance(accuracy: float, chance: float) -> bool:
    """Whether a validation `accuracy` is no better than guessing (`chance`: the share of
    the most common class, or 1 / classes), within the margin the diagnosis allows."""
    return accuracy <= chance + _CHANCE_MARGIN * (1.0 - chance)


def _lower_rate(learning_rate: float | None) -> str:
    if learning_rate:
        return f"a learning rate of {learning_rate / 10:g} (a tenth of {learning_rate:g})"
    return "a learning rate a tenth of this one"


def _diverged(row, classes, chance, learning_rate) -> Diagnosis | None:
    loss = row.get("loss")
    if loss is None or math.isfinite(loss):
        return None
    return Diagnosis(
        "diverged", int(row["epoch"]),
        f"The training loss is {row['loss']} at epoch {row['epoch']}: training diverged. "
        f"Try {_lower_rate(learning_rate)}, or a warm-up (schedule=cosine, warmup_epochs=2).",
    )


def _at_chance(row, classes, chance, learning_rate) -> Diagnosis | None:
    train, valid = row.get("accuracy", math.nan), row.get("val_accuracy", math.nan)
    if row["epoch"] < 2 or not (math.isfinite(train) and math.isfinite(valid)):
        return None
    learning = train >= chance + _LEARNING_SHARE * (1.0 - chance)
    guessing = at_chance(valid, chance)
    if not (learning and guessing):
        return None
    return Diagnosis(
        "at chance", int(row["epoch"]),
        f"Validation accuracy {valid:.1%} is at chance ({chance:.1%}, always the most common "
        f"class) while training accuracy reached {train:.1%} (epoch {row['epoch']}): the "
        f"network learns the training images but nothing that carries over. Look at the "
        f"validation images (same classes, same kind of picture as the training ones?) and "
        f"at the labels; try {_lower_rate(learning_rate)} and augmentation.",
    )


def _loss_blow_up(row, classes, chance, learning_rate) -> Diagnosis | None:
    loss, val_loss = row.get("loss", math.nan), row.get("val_loss", math.nan)
    if not (math.isfinite(loss) and math.isfinite(val_loss)) or loss <= 0:
        return None
    guess = math.log(max(classes, 2))
    if val_loss < _LOSS_RATIO * loss or val_loss < _GUESS_RATIO * guess:
        return None
    return Diagnosis(
        "loss blow-up", int(row["epoch"]),
        f"Validation loss {val_loss:.4g} is {val_loss / loss:.0f} times the training loss "
        f"{loss:.4g} (epoch {row['epoch']}; guessing gives {guess:.2f}): the network is "
        f"confidently wrong on unseen images, more than overfitting explains. Usually the "
        f"learning rate is too high for this network: try {_lower_rate(learning_rate)}.",
    )
