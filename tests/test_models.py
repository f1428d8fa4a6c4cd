"""Every registered model, tested the moment it is registered: it builds at the paper's
input size and at its smallest, matches every published parameter count it declares
exactly (and its published multiply-accumulates within the stated tolerance), and refuses
inputs that are too small with a message that states the minimum; the registry's minimum is
the true one; it saves and loads in safe mode with identical outputs; and a few optimizer
steps lower its loss on a batch. Those last two build at a small input (32 px, or the
minimum) with few classes, so that each model takes seconds on a CPU."""

import keras
import numpy as np
import pytest

import netlib
from model_checks import inference_loss, learnable_batch, randomize_batch_norm, settle_batch_norm

MODELS = netlib.list_models()
pytestmark = pytest.mark.usefixtures("free_models")

# The deeper or wider variants of a table (ResNet's, VGG's, EfficientNet's), made of the
# same blocks as a smaller variant: the checks that cost seconds per model (save and load,
# training steps, running at the minimum size) run on the smaller one. The deep ones take
# 10-40 s each on two CPU cores, against a few for the smaller one.
SAME_BLOCKS_AS = {
    **{f"efficientnet_b{i}": "efficientnet_b0" for i in range(1, 8)},
    **{f"resnet{depth}": "resnet20" for depth in (32, 44, 56, 110)},
    **{f"plain{depth}": "plain20" for depth in (32, 44, 56)},
    "resnet34": "resnet18",
    "plain34": "plain18",
    "resnet101": "resnet50",
    "resnet152": "resnet50",
    **{name: "vgg11" for name in ("vgg13", "vgg16", "vgg19")},
}


def _skip_if_deeper_variant(name):
    if name in SAME_BLOCKS_AS:
        pytest.skip(f"a deeper or wider variant of {SAME_BLOCKS_AS[name]}, checked there "
                    "(seconds, against 10-40 s for this one)")


def _ids(cases):
    return [name + "".join(f"-{k}={v}" for k, v in options.items()) for name, options in cases]


def _small_build(name, **arguments):
    """`name` at a small input (32 px, or its minimum if larger) with few classes."""
    options = {k: v for k, v in arguments.items() if k in netlib.model_info(name).defaults}
    size = max(32, netlib.model_info(name).minimum_size(options))
    return netlib.build(name, **{"input_shape": size, "classes": 3, **arguments})


def _first(outputs):
    return outputs[0] if isinstance(outputs, (list, tuple)) else outputs


def _options_that_move_the_minimum(name):
    """The default options, and each option value that changes the minimum input size
    (GoogLeNet's auxiliary heads), so that every minimum the registry states is checked."""
    info = netlib.model_info(name)
    sets = [{}]
    for option in info.options:
        values = option.choices or ((not option.default,) if option.type is bool else ())
        for value in values:
            if info.minimum_size({option.name: value}) != info.minimum_size():
                sets.append({option.name: value})
    return sets


MINIMA = [(name, options) for name in MODELS for options in _options_that_move_the_minimum(name)]


def _count(model, trainable_only: bool) -> int:
    weights = model.trainable_weights if trainable_only else model.weights
    return int(sum(int(keras.ops.size(w)) for w in weights))


def _main_output(model):
    return model.outputs[0]


pytestmark = pytest.mark.usefixtures("free_models")


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


@pytest.mark.parametrize("name, options", MINIMA, ids=_ids(MINIMA))
def test_smallest_input_builds_and_one_pixel_less_is_refused(name, options):
    """The registry's minimum is the true one: the network builds and runs there with
    every feature map at least 1x1, and one pixel less is refused by the registry before
    Keras sees it and by the raw builder too."""
    info = netlib.model_info(name)
    smallest = info.minimum_size(options)
    channels = info.input_shape[-1]
    model = netlib.build(name, input_shape=smallest, classes=7, **options)
    assert tuple(_main_output(model).shape) == (None, 7)
    assert all(d > 0 for layer in model.layers for d in layer.output.shape[1:] if d is not None)
    with pytest.raises(ValueError, match=f"at least {smallest}x{smallest}"):
        netlib.build(name, input_shape=smallest - 1, classes=7, **options)
    if name in SAME_BLOCKS_AS:
        return  # the headless build, running it and one pixel less: on the smaller one
    features = netlib.build(name, input_shape=smallest, include_top=False, pooling="avg",
                            **options)
    output = _main_output(features)
    assert len(output.shape) == 2 and output.shape[-1] > 0
    image = np.ones((1, smallest, smallest, channels), "float32")
    assert keras.ops.convert_to_numpy(_first(model(image))).shape == (1, 7)
    keras.backend.clear_session()
    with pytest.raises(ValueError, match="zero or negative"):
        info.builder(
            input_shape=(smallest - 1, smallest - 1, channels), classes=7, include_top=True,
            pooling=None, classifier_activation="softmax", **info.resolve_options(options),
        )  # fmt: skip


@pytest.mark.parametrize("name", MODELS)
def test_metadata_and_docstring_cite_the_paper(name):
    info = netlib.model_info(name)
    assert info.paper and info.authors and 1989 <= info.year <= 2025 and info.url
    assert info.paper in " ".join((info.builder.__doc__ or "").split())
    for option in info.options:
        assert option.validate(option.default) == option.default


# Every model at its defaults, and the configurations that add layers of their own (LeNet's
# connection table, the pooled heads, batch norm, GoogLeNet's auxiliary outputs).
ROUND_TRIPS = [(name, {}) for name in MODELS] + [
    ("lenet5", dict(classes=10, c3_connections="paper")),
    ("alexnet", dict(input_shape=67, include_top=False, pooling="avg")),
    ("vgg11", dict(input_shape=32, include_top=False, pooling="max", batch_norm=True)),
    ("googlenet", dict(input_shape=47, classes=5, aux_heads=True, batch_norm=True)),
]


@pytest.mark.parametrize("name, arguments", ROUND_TRIPS, ids=_ids(ROUND_TRIPS))
def test_saves_and_loads_in_safe_mode_with_identical_outputs(name, arguments, tmp_path):
    _skip_if_deeper_variant(name)
    model = _small_build(name, **{"classifier_activation": None, **arguments})
    randomize_batch_norm(model)
    shape = (2, *model.inputs[0].shape[1:])
    x = np.random.default_rng(6).uniform(0, 1, size=shape).astype("float32")
    before = keras.tree.map_structure(keras.ops.convert_to_numpy, model(x, training=False))
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    after = keras.tree.map_structure(keras.ops.convert_to_numpy, loaded(x, training=False))
    keras.tree.map_structure(np.testing.assert_array_equal, after, before)
    assert loaded.name == name
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


LEARNING = [(name, {}) for name in MODELS] + [("googlenet", dict(input_shape=47, aux_heads=True))]
# Adam's rate for the three steps: 1e-3, but the large networks without batch norm
# overshoot there from scratch (measured at 32 px: VGG-19's training loss reached 8.5,
# GoogLeNet's inference loss rose from 1.39 to 1.64); at 3e-4 every one of them learns.
LEARNING_RATES = {"AlexNet": 3e-4, "VGG": 3e-4, "GoogLeNet": 3e-4}


@pytest.mark.parametrize("name, arguments", LEARNING, ids=_ids(LEARNING))
def test_a_few_optimizer_steps_lower_the_loss_on_a_batch(name, arguments):
    _skip_if_deeper_variant(name)
    keras.utils.set_random_seed(7)
    classes = 4
    model = _small_build(name, **{"classes": classes, **arguments})
    heads = len(model.outputs)
    weights = [1.0, 0.3, 0.3][:heads]  # GoogLeNet's auxiliary classifiers count 0.3
    x, y = learnable_batch(model, classes)
    # Eager steps: for three steps, tracing a training graph costs far more than it saves.
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATES.get(netlib.model_info(name).family, 1e-3)),
        loss=["sparse_categorical_crossentropy"] * heads,
        loss_weights=weights,
        run_eagerly=True,
    )
    # The loss in inference mode (no dropout), batch norms normalising as on this batch.
    settle_batch_norm(model, x)
    before = inference_loss(model, x, y, weights)
    steps = 3
    targets = np.tile(y, steps)
    model.fit(
        np.tile(x, (steps, 1, 1, 1)),
        [targets] * heads if heads > 1 else targets,
        batch_size=len(x),
        shuffle=False,
        verbose=0,
    )
    settle_batch_norm(model, x)
    after = inference_loss(model, x, y, weights)
    assert np.isfinite(before) and after < before, (before, after)
