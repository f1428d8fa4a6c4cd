"""Every registered model, tested the moment it is registered: it builds at the paper's
input size and at its smallest, matches every published parameter count it declares
exactly, and refuses inputs that are too small with a message that states the minimum."""

import gc

import keras
import pytest

import netlib
from netlib.registry import Reference

MODELS = netlib.list_models()
REFERENCES = [
    pytest.param(name, ref, id=f"{name}-{i}")
    for name in MODELS
    for i, ref in enumerate(netlib.model_info(name).references)
]


def _count(model, trainable_only: bool) -> int:
    weights = model.trainable_weights if trainable_only else model.weights
    return int(sum(w.size if hasattr(w, "size") else int(keras.ops.size(w)) for w in weights))


def _main_output(model):
    return model.outputs[0] if isinstance(model.outputs, (list, tuple)) else model.outputs


@pytest.fixture(autouse=True)
def _free_models():
    yield
    keras.backend.clear_session()
    gc.collect()


def test_registry_is_populated():
    assert len(MODELS) >= 30
    families = netlib.list_families()
    assert families[0] == "LeNet"


@pytest.mark.parametrize("name", MODELS)
def test_builds_at_the_papers_input_size(name):
    info = netlib.model_info(name)
    model = netlib.build(name)
    assert isinstance(model, keras.Model)
    assert tuple(model.inputs[0].shape) == (None, *info.input_shape)
    assert tuple(_main_output(model).shape) == (None, 1000)
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names)), "layer names must be unique"


@pytest.mark.parametrize("name", MODELS)
def test_smallest_input_builds_and_one_pixel_less_is_refused(name):
    info = netlib.model_info(name)
    smallest = info.minimum_size()
    model = netlib.build(name, input_shape=smallest, classes=7)
    assert tuple(_main_output(model).shape) == (None, 7)
    keras.backend.clear_session()
    with pytest.raises(ValueError, match=f"at least {smallest}x{smallest}"):
        netlib.build(name, input_shape=smallest - 1, classes=7)


@pytest.mark.parametrize("name", MODELS)
def test_feature_extractor_with_pooling(name):
    info = netlib.model_info(name)
    model = netlib.build(
        name, input_shape=info.minimum_size(), include_top=False, pooling="avg"
    )
    output = _main_output(model)
    assert len(output.shape) == 2 and output.shape[-1] > 0


@pytest.mark.parametrize("name, ref", REFERENCES)
def test_parameter_count_matches_the_reference_exactly(name, ref: Reference):
    model = netlib.build(
        name, classes=ref.classes, input_shape=ref.input_size, **dict(ref.options)
    )
    assert _count(model, ref.trainable_only) == ref.params, ref.source


@pytest.mark.parametrize("name", MODELS)
def test_metadata_and_docstring_cite_the_paper(name):
    info = netlib.model_info(name)
    assert info.paper and info.authors and 1989 <= info.year <= 2025 and info.url
    assert info.references, "every model states a published parameter count"
    assert info.paper in " ".join((info.builder.__doc__ or "").split())
    for option in info.options:
        assert option.validate(option.default) == option.default
