"""The learning-rate finder: the loss while the rate sweeps exponentially over some
batches, and the rate it suggests (Smith, 2015, "Cyclical Learning Rates for Training
Neural Networks", section 3.3's range test; fastai's `lr_find`).

    >>> finding = find_learning_rate(TrainConfig.for_model("lenet5", "digits/"))
    >>> finding.suggestion, finding.rule
    (0.0021, 'the rate at the lowest smoothed loss (0.021), divided by 10')

The sweep trains a model of its own, built as the run would build it (its preprocessing,
pretrained weights and, for a pretrained start, the frozen base of the first phase), so
the model a run trains is never touched. The loss is smoothed as fastai smooths it (an
exponential moving average with bias correction); the sweep ends early once the smoothed
loss is four times its lowest, the rate then far too high. The suggestion is fastai's
classic rule: a tenth of the rate at the lowest smoothed loss, where the loss still falls
fast and the rate is safely below the one where training diverges.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from netlib.cancel import Cancelled
from netlib.train.config import TrainConfig

__all__ = ["LrFinding", "find_learning_rate", "suggest"]

SMOOTHING = 0.98  # fastai's beta
DIVERGED = 4.0  # the sweep stops when the smoothed loss passes this many times its lowest


@dataclasses.dataclass(frozen=True)
class LrFinding:
    """The sweep: each step's rate, loss and smoothed loss; the suggested rate and the
    rule that chose it."""

    rates: tuple[float, ...]
    losses: tuple[float, ...]
    smoothed: tuple[float, ...]
    suggestion: float
    rule: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def suggest(rates, smoothed) -> tuple[float, str]:
    """A tenth of the rate at the lowest smoothed loss, and the rule in words."""
    lowest = int(np.nanargmin(smoothed))
    return rates[lowest] / 10, f"the rate at the lowest smoothed loss ({rates[lowest]:.3g}), divided by 10"


def find_learning_rate(
    config: TrainConfig,
    *,
    start: float = 1e-7,
    end: float = 10.0,
    steps: int = 100,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> LrFinding:
    """Sweep the rate from `start` to `end` over `steps` training batches of
    `config`'s data (cycling through them if there are fewer) and suggest one.
    `progress(step, steps)` after each; `cancel()` polled, raising Cancelled."""
    if not 0 < start < end:
        raise ValueError(f"The sweep needs 0 < start < end; received start={start!r}, end={end!r}.")
    if steps < 2:
        raise ValueError(f"The sweep needs at least 2 steps; received steps={steps!r}.")
    model, batches = _model_and_batches(config, cancel)
    rates, losses, smoothed = [], [], []
    average = 0.0
    for step in range(steps):
        if cancel is not None and cancel():
            raise Cancelled()
        rate = start * (end / start) ** (step / (steps - 1))
        model.optimizer.learning_rate = rate
        images, labels = batches[step % len(batches)]
        loss = float(model.train_on_batch(images, labels, return_dict=True)["loss"])
        average = SMOOTHING * average + (1 - SMOOTHING) * loss
        rates.append(rate)
        losses.append(loss)
        smoothed.append(average / (1 - SMOOTHING ** (step + 1)))
        if progress is not None:
            progress(step + 1, steps)
        if not math.isfinite(loss) or smoothed[-1] > DIVERGED * min(smoothed):
            break
    suggestion, rule = suggest(rates, smoothed)
    return LrFinding(tuple(rates), tuple(losses), tuple(smoothed), suggestion, rule)


def _model_and_batches(config: TrainConfig, cancel):
    """A compiled training model as the run's first phase has it, at a constant rate,
    and its training batches."""
    from netlib import backend
    from netlib.train.dataset import MultiHeadBatches, prepare_data
    from netlib.train.fine_tuning import phases, resolve_start, set_trainable
    from netlib.train.model import build_models, compile_for_training, mixed_precision_policy

    backend.set_seed(config.seed)
    prepared = prepare_data(config, cancel=cancel)
    start = resolve_start(config, cancel=cancel)
    policy = mixed_precision_policy(config.mixed_precision, backend.describe_device() != "CPU")
    classes = len(prepared.classes)
    models = build_models(config, classes, prepared.statistics, prepared.pca, policy,
                          preprocessing=start.preprocessing_layers())
    loaded = set(start.load_into(models.network).loaded) if start.pretrained else set()
    set_trainable(models.network, phases(config)[0], loaded, config)
    batches = prepared.batches("train", config.batch_size, shuffle=True, seed=config.seed)
    if models.multi_output:
        batches = MultiHeadBatches(batches, models.output_names)
    compile_for_training(models, config.replace(schedule="constant"), classes, len(batches), policy)
    backend.build_before_fit(models.training, batches[0])
    return models.training, batches
