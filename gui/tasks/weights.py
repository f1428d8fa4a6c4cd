"""Jobs for pretrained starts: downloading a published weights file and the
learning-rate finder's sweep."""

from __future__ import annotations


def download_weights(file, context):
    """Job: netlib.weights.fetch of a published file into Keras' cache, progress as
    (bytes done, bytes total), cancelled through the context; returns its path."""
    from netlib.weights import fetch

    return fetch(file, progress=context.progress_reporter(), cancel=context.cancelled)


def find_learning_rate(config, context):
    """Job: netlib.train.lr_find's sweep for `config`, progress as (step, steps)."""
    from netlib.train.lr_find import find_learning_rate as sweep

    return sweep(config, progress=context.progress_reporter(), cancel=context.cancelled)
