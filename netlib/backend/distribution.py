"""Training on several devices or machines: tf.distribute, so the TensorFlow backend only.

`train --cluster` describes the cluster in TF_CONFIG (:func:`configure_cluster`); the
Trainer asks for :func:`distribution_strategy` before it builds any model, adapts the
compiled model with :func:`adapt_model_to_strategy`, and lets only the chief
(:func:`is_chief`) write the run folder.
"""

from __future__ import annotations

import functools
import json
import os
import re
from typing import Any

from netlib.backend.devices import name, prepare_devices

__all__ = [
    "supports_distribution",
    "configure_cluster",
    "cluster_from_environment",
    "distribution_strategy",
    "adapt_model_to_strategy",
    "is_chief",
]

_HOST_PORT = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


def supports_distribution() -> bool:
    """Whether `tf.distribute` strategies are available: only on the TensorFlow backend."""
    return name() == "tensorflow"


def configure_cluster(workers: list[str] | str, task_index: int) -> dict[str, Any]:
    """Describe a multi-worker cluster in TF_CONFIG for this process, and return it.

    `workers` lists every worker's "host:port" (the same list, in the same order, on every
    machine; a comma-separated string is accepted); `task_index` is this machine's position
    in it, 0 being the chief, which writes the run folder. Raises ValueError for a
    malformed list or index, or on a backend without `tf.distribute`.
    """
    if not supports_distribution():
        raise ValueError(
            f"Training across machines (--cluster) uses tf.distribute, which needs the "
            f"TensorFlow backend; this process runs Keras on {name()!r}. "
            f"Start it with KERAS_BACKEND=tensorflow, or train on one machine."
        )
    if isinstance(workers, str):
        workers = [w.strip() for w in workers.split(",") if w.strip()]
    workers = list(workers)
    bad = [w for w in workers if not _HOST_PORT.match(w)]
    if not workers or bad:
        raise ValueError(
            "--cluster must list every worker as host:port, separated by commas "
            f"(e.g. 10.0.0.1:12345,10.0.0.2:12345); received {','.join(workers)!r}."
        )
    if isinstance(task_index, bool) or not isinstance(task_index, int):
        raise ValueError(f"--task-index must be an integer; received {task_index!r}.")
    if not 0 <= task_index < len(workers):
        raise ValueError(
            f"--task-index must be between 0 and {len(workers) - 1} for a cluster of "
            f"{len(workers)} workers; received {task_index}."
        )
    config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": task_index}}
    os.environ["TF_CONFIG"] = json.dumps(config)
    return config


def cluster_from_environment() -> dict[str, Any] | None:
    """The TF_CONFIG of this process when it names more than one worker, else None."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"TF_CONFIG is not valid JSON: {text!r}.") from None
    workers = config.get("cluster", {}).get("worker", [])
    return config if len(workers) > 1 else None


@functools.cache
def distribution_strategy():
    """The `tf.distribute` strategy this process should train under, or None for the
    backend's default (one device).

    `MultiWorkerMirroredStrategy` when TF_CONFIG names several workers (see
    :func:`configure_cluster`); `MirroredStrategy` when several GPUs are visible on the
    TensorFlow backend; otherwise None. Created once per process, before any model is
    built: TensorFlow requires collective ops to be configured before its first op.
    """
    if not supports_distribution():
        if cluster_from_environment():
            raise ValueError(
                "TF_CONFIG describes a cluster, but tf.distribute needs the TensorFlow "
                f"backend; this process runs Keras on {name()!r}."
            )
        return None
    import tensorflow as tf

    if cluster_from_environment():
        return tf.distribute.MultiWorkerMirroredStrategy()
    prepare_devices()
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return None


def adapt_model_to_strategy(model, strategy) -> None:
    """Make a compiled `model` trainable with `fit` under `strategy`.

    Only MultiWorkerMirroredStrategy needs anything: the two Keras workarounds in
    netlib.backend.keras_workarounds (the first batch's build, the per-step scalar
    reduction). Other strategies and backends are left alone.
    """
    if strategy is None or name() != "tensorflow":
        return
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return
    from netlib.backend.keras_workarounds import (
        build_from_local_batch,
        patch_multi_worker_reduce,
    )

    patch_multi_worker_reduce()
    build_from_local_batch(model, strategy)


def is_chief(strategy=None) -> bool:
    """True unless this process is a non-chief worker of a multi-worker cluster."""
    config = cluster_from_environment()
    if strategy is None or config is None:
        return True
    return int(config.get("task", {}).get("index", 0)) == 0
