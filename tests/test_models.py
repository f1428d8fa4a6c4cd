"""Every registered model, tested the moment it is registered: it builds at the paper's
input size and at its smallest, matches every published parameter count it declares
exactly (and its published multiply-accumulates within the stated tolerance), and refuses
inputs that are too small with a message that states the minimum."""

import keras
import pytest

import netlib

MODELS = netlib.list_models()


def _count(model, trainable_only: bool) -> int:
    weights = model.trainable_weights if trainable_only else model.weights
    return int(sum(int(keras.ops.size(w)) for w in weights))


def _main_output(model):
    return model.outputs[0]


@pytest.fixture(autouse=True)
def _free_models():
    yield
    keras.backend.clear_session()  # also runs the garbage collector


def test_registry_is_populated():
    assert len(MODELS) >= 30
    families = netlib.list_families()
    assert families[0] == "LeNet"


@pytest.mark.parametrize("name", MODELS)
def test_builds_at_the_papers_size_and_matches_every_reference(name):
    """One test per model so that a big model is built once at its default size and
    that build serves every reference for the default configuration."""
    info = netlib.model_info(name)
    built = {}

    def model_for(classes, input_size, options):
        key = (classes, input_size, tuple(sorted(options.items())))
        if key not in built:
            built[key] = netlib.build(
                name, classes=classes, input_shape=input_size, **dict(options)
            )
        return built[key]

    model = model_for(1000, None, {})
    assert isinstance(model, keras.Model)
    assert tuple(model.inputs[0].shape) == (None, *info.input_shape)
    assert tuple(_main_output(model).shape) == (None, 1000)
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names)), "layer names must be unique"

    assert info.references, "every model states a published parameter count"
    for ref in info.references:
        configured = model_for(ref.classes, ref.input_size, dict(ref.options))
        assert _count(configured, ref.trainable_only) == ref.params, ref.source
        if ref.macs:
            macs = netlib.summarize(configured).totals.macs
            assert abs(macs / ref.macs - 1) <= ref.macs_tolerance, (macs, ref.macs_source)
        if ref.options or ref.classes != 1000 or ref.input_size:
            built.pop((ref.classes, ref.input_size, tuple(sorted(ref.options.items()))))


@pytest.mark.parametrize("name", MODELS)
def test_smallest_input_builds_and_one_pixel_less_is_refused(name):
    info = netlib.model_info(name)
    smallest = info.minimum_size()
    model = netlib.build(name, input_shape=smallest, classes=7)
    assert tuple(_main_output(model).shape) == (None, 7)
    features = netlib.build(name, input_shape=smallest, include_top=False, pooling="avg")
    output = _main_output(features)
    assert len(output.shape) == 2 and output.shape[-1] > 0
    with pytest.raises(ValueError, match=f"at least {smallest}x{smallest}"):
        netlib.build(name, input_shape=smallest - 1, classes=7)


@pytest.mark.parametrize("name", MODELS)
def test_metadata_and_docstring_cite_the_paper(name):
    info = netlib.model_info(name)
    assert info.paper and info.authors and 1989 <= info.year <= 2025 and info.url
    assert info.paper in " ".join((info.builder.__doc__ or "").split())
    for option in info.options:
        assert option.validate(option.default) == option.default
