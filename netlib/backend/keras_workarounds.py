"""Patches of Keras internals, each for one bug of a named Keras release, each citing what
it works around. They touch private Keras code (`keras.src...`), so each says exactly which
function it replaces or wraps; when Keras is upgraded, tests/test_distribute.py says
whether a patch is still needed (it fails without them on Keras 3.15.1 with TensorFlow
2.21).

Two concern `model.fit` under `tf.distribute.MultiWorkerMirroredStrategy` on the
TensorFlow backend (`python main.py train --cluster`) and run nowhere else; one,
:func:`build_before_fit`, the cost of every first `fit` on that backend
(tests/test_train.py checks it is still needed and still works).
"""

from __future__ import annotations

import functools

__all__ = ["build_before_fit", "build_from_local_batch", "patch_multi_worker_reduce"]


def build_before_fit(model, batch) -> None:
    """Create the optimizer's and the compiled metrics' variables before `fit` traces its
    training step, from `batch` (one batch of the data `fit` will get: only its shapes and
    dtypes are used).

    Targets `TensorFlowTrainer._maybe_symbolic_build` in keras/src/backend/tensorflow/
    trainer.py (Keras 3.15.1): without a distribution strategy it defers building these to
    the first trace of the train function ("to maximize backwards compatibility"). That
    trace then creates variables, and TensorFlow traces a function that creates variables
    a second time, without them (`Function._call` in tensorflow/python/eager/
    polymorphic_function/polymorphic_function.py), so every run's first step was built
    twice: measured here (2-core CPU, one epoch of 150 images at 32 px), MobileNetV2's
    first `fit` 26.2 s -> 14.4 s, LeNet-5's 1.9 s -> 0.7 s. `_symbolic_build` is what
    Keras itself runs first under a strategy; it builds only what is not built yet (a
    resumed optimizer stays as loaded). Nothing is done on the other backends (JAX's
    trainer builds before it compiles), under a strategy (Keras does it), or where a
    later Keras has no `_symbolic_build` (the first step is then only slower).
    """
    import keras

    if keras.backend.backend() != "tensorflow" or getattr(model, "_distribute_strategy", None):
        return
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is not None:
        symbolic_build(data_batch=batch)


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
