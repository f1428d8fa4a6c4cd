"""Job of the Train page: fit a netlib Trainer, its events sent to the GUI thread."""

from __future__ import annotations


def fit_in_worker(trainer, context):
    """Job: `trainer.fit`, each event reported as progress (netlib already sends batch
    and preparation progress only a few times a second); returns the outcome."""
    return trainer.fit(events=context.report)
