"""netlib: the classic convolutional networks as Keras 3 models, and the tools around them.

    >>> import netlib
    >>> netlib.list_models("resnet*")[:3]
    ['resnet18', 'resnet20', 'resnet32']
    >>> model = netlib.build("lenet5", classes=10)
    >>> netlib.summarize(model).totals.params
    61706

No Qt here, and no TensorFlow outside `netlib.backend` (backend-specific by nature):
the models and the training loop run on the TensorFlow, JAX and PyTorch backends.
Importing `netlib` is cheap; Keras is imported when a model is first built or listed.
"""

from netlib.registry import (
    Option,
    Reference,
    build,
    list_families,
    list_models,
    model_info,
    register_model,
)

__all__ = [
    "Option",
    "Reference",
    "build",
    "list_families",
    "list_models",
    "model_info",
    "register_model",
    "summarize",
]


def __getattr__(name):
    # `summarize` lives in netlib.inspect, which imports Keras: load it on first use.
    if name == "summarize":
        from netlib.inspect import summarize

        return summarize
    raise AttributeError(f"module 'netlib' has no attribute {name!r}")
