"""Gradients and compiled functions: Keras 3 has no backend-neutral gradient op, nor a
public way to compile a function of one's own, so each backend's own is used."""

from __future__ import annotations

from netlib.backend.devices import name

__all__ = ["value_and_gradient", "compile_function"]


def value_and_gradient(function, x):
    """`function(x)` (a scalar) and its gradient with respect to the tensor `x`.

    TensorFlow: a `GradientTape` watching `x`; JAX: `jax.value_and_grad`; PyTorch:
    autograd. `function` must be built from Keras layers and keras.ops, so that every
    backend can trace it (netlib.visualize's Grad-CAM is the caller).
    """
    import keras

    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            value = function(x)
        return value, tape.gradient(value, x)
    if backend == "jax":
        import jax

        return jax.value_and_grad(function)(keras.ops.convert_to_tensor(x))
    if backend == "torch":
        import torch

        x = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
        value = function(x)
        (gradient,) = torch.autograd.grad(value, x)
        return value.detach(), gradient
    raise ValueError(
        f"Gradients are computed on the tensorflow, jax and torch backends; Keras runs on "
        f"{backend!r} here."
    )


def compile_function(function):
    """`function` compiled by the backend where it compiles (tf.function, jax.jit), as
    Keras compiles its own train and predict steps; PyTorch runs it eagerly. The function
    must be stateless (a model's `stateless_call`): compiled, it may not assign variables.
    (netlib.train.batchnorm's statistics pass is the caller.)"""
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(function, reduce_retracing=True)
    if backend == "jax":
        import jax

        return jax.jit(function)
    return function
