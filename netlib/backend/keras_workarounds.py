"""Patches of Keras internals, each for one behaviour of a named Keras release, each citing
what it works around. They touch private Keras code (`keras.src...`), so each says exactly
which function it replaces, wraps or steers; when Keras is upgraded, the tests named below
say whether a patch is still needed.

- :func:`build_from_local_batch` and :func:`patch_multi_worker_reduce`: `model.fit` under
  `tf.distribute.MultiWorkerMirroredStrategy` on the TensorFlow backend (`python main.py
  train --cluster`); tests/test_distribute.py fails without either on Keras 3.15.1 with
  TensorFlow 2.21.
- :func:`set_random_seed_without_tensorflow`: seeding on the JAX and PyTorch backends
  without importing TensorFlow; tests/test_boundaries.py checks it.
"""

from __future__ import annotations

import functools

__all__ = [
    "build_from_local_batch",
    "patch_multi_worker_reduce",
    "set_random_seed_without_tensorflow",
]


class _NotInstalled:
    """Stands in for Keras' lazy TensorFlow module: "not available", without an import."""

    available = False


def set_random_seed_without_tensorflow(seed: int) -> None:
    """`keras.utils.set_random_seed(seed)` (Python, NumPy, Keras' global seed generator,
    PyTorch on its backend), less its seeding of TensorFlow.

    Targets `set_random_seed` in keras/src/utils/rng_utils.py (Keras 3.15.1): it seeds
    TensorFlow whenever TensorFlow is installed, whatever the backend ("since many
    workflows leverage tf.data pipelines"), and `tf.available` imports it: seconds of start-up
    and TensorFlow's runtime in a process that trains on JAX, which netlib's batches
    (PyDatasets, never tf.data) do not need. keras-team/keras#18455 reports TensorFlow
    imported under the JAX and PyTorch backends. Keras' own function runs, with its module's
    lazy `tf` reading "not available" during the call.
    """
    import keras
    from keras.src.utils import rng_utils

    lazy_tensorflow = rng_utils.tf
    rng_utils.tf = _NotInstalled()
    try:
        keras.utils.set_random_seed(int(seed))
    finally:
        rng_utils.tf = lazy_tensorflow


def build_from_local_batch(model, strategy) -> None:
    """Build `model` from this worker's first replica's batch, not a cross-replica mean.

    Targets `TensorFlowTrainer._maybe_symbolic_build` in
    keras/src/backend/tensorflow/trainer.py (Keras 3.15.1): before the first step it
    reduces the first batch, a structure `(x, y)` of PerReplica values, with
    `strategy.reduce("MEAN", (x, y), axis=None)`. TensorFlow's `Strategy.reduce` takes one
    value, not a structure (tensorflow/python/distribute/distribute_lib.py, `reduce`:
    "TODO(josh11b): support `value` being a nest."), so under MultiWorkerMirroredStrategy
    fit fails with "Attempt to convert a value (PerReplica ...) to a Tensor". No upstream
    issue names this code path; keras-team/keras#20329 reports the same strategy failing
    in fit. The build needs only shapes and dtypes, so one replica's batch serves, with no
    communication.
    """
    import tensorflow as tf
    from keras import tree

    build = model._maybe_symbolic_build

    def local_value(value):
        if isinstance(value, tf.distribute.DistributedValues):
            return strategy.experimental_local_results(value)[0]
        return value

    def maybe_symbolic_build(iterator=None, data_batch=None):
        if iterator is not None and data_batch is None:
            for _, _, batches in iterator:  # as Keras does: the first batch only
                data_batch = tree.map_structure(local_value, next(batches))
                break
        return build(data_batch=data_batch)

    model._maybe_symbolic_build = maybe_symbolic_build


@functools.cache
def patch_multi_worker_reduce() -> None:
    """Make Keras' per-step reduction average scalars across workers with axis=None.

    Targets `reduce_per_replica` in keras/src/backend/tensorflow/trainer.py (Keras
    3.15.1): under a multi-worker strategy it averages every loss and metric with
    `strategy.reduce("MEAN", v, axis=0)`, which fails on a scalar ("Invalid reduction
    dimension 0 for input with 0 dimensions"): tensorflow/tensorflow#72388 ("tf.distribute
    and keras 3 incompatibility", closed as stale, unfixed in Keras 3.15.1). Every other
    case goes to Keras' own function unchanged. The train, test and predict functions look
    the function up in their module at each call, so replacing the module's attribute is
    enough; done once per process.
    """
    import tensorflow as tf
    from keras import tree
    from keras.src.backend.tensorflow import trainer as keras_tf_trainer

    keras_reduce = keras_tf_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        multi_worker = isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        if not (multi_worker and reduction in ("auto", "mean")):
            return keras_reduce(values, strategy, reduction)

        def mean(value):
            local = value
            if isinstance(value, tf.distribute.DistributedValues):
                local = strategy.experimental_local_results(value)[0]
            axis = None if len(local.shape) == 0 else 0  # Keras: axis=0 always
            return strategy.reduce("MEAN", value, axis=axis)

        return tree.map_structure(mean, values)

    keras_tf_trainer.reduce_per_replica = reduce_per_replica
