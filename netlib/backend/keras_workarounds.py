"""Patches of Keras internals, each for one bug of a named Keras release, each citing what
it works around. They touch private Keras code (`keras.src...`), so each says exactly which
function it replaces or wraps; when Keras is upgraded, tests/test_distribute.py says
whether a patch is still needed (it fails without them on Keras 3.15.1 with TensorFlow
2.21).

Both concern `model.fit` under `tf.distribute.MultiWorkerMirroredStrategy` on the
TensorFlow backend (`python main.py train --cluster`); nothing here runs otherwise.
"""

from __future__ import annotations

import functools

__all__ = ["build_from_local_batch", "patch_multi_worker_reduce"]


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
