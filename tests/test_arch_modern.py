"""ResNet, MobileNet v1/v2 and EfficientNet beyond the registry-wide checks of
test_models.py (true minimum input, saving and loading, a few training steps): the
zero-padded shortcut, the papers' feature-map shapes, the shortcut options, the one-pixel
minimum, and the JAX backend.

Inputs are small (32x32) wherever the paper's size is not the point."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

import netlib
from model_checks import randomize_batch_norm
from netlib.architectures.resnet import CIFAR_PAPER_PARAMS
from netlib.layers import ZeroPadShortcut

REPO = Path(__file__).resolve().parent.parent
# The families whose down-sampling is padded like TensorFlow's "SAME" (sizes round up).
ROUNDING_UP = ("ResNet", "MobileNet", "MobileNetV2", "EfficientNet")


pytestmark = pytest.mark.usefixtures("free_models")


def _count(model, trainable_only=False):
    weights = model.trainable_weights if trainable_only else model.weights
    return int(sum(np.prod(w.shape) for w in weights))


def _shape(model, layer_name):
    return tuple(model.get_layer(layer_name).output.shape[1:])


def _layers_of_type(model, kind):
    return [layer for layer in model.layers if isinstance(layer, kind)]


# ------------------------------------------------------------------- ZeroPadShortcut


def test_zero_pad_shortcut_subsamples_and_appends_zero_channels():
    x = np.arange(5 * 5 * 3, dtype="float32").reshape(1, 5, 5, 3)
    layer = ZeroPadShortcut(8, strides=2)
    y = keras.ops.convert_to_numpy(layer(x))
    assert y.shape == (1, 3, 3, 8) == (1, *layer.compute_output_shape((1, 5, 5, 3))[1:])
    for i in range(3):
        for j in range(3):
            # Rows and columns 0, 2, 4 of the input, channels unchanged, then 5 zeros.
            assert list(y[0, i, j, :3]) == list(x[0, 2 * i, 2 * j, :])
            assert list(y[0, i, j, 3:]) == [0.0] * 5
    assert layer.weights == [] and layer.count_params() == 0


def test_zero_pad_shortcut_with_stride_one_only_pads_channels():
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 16)).astype("float32")
    y = keras.ops.convert_to_numpy(ZeroPadShortcut(32, strides=1)(x))
    np.testing.assert_array_equal(y[..., :16], x)
    assert y.shape == (2, 4, 4, 32) and not y[..., 16:].any()


def test_zero_pad_shortcut_refuses_bad_arguments_clearly():
    with pytest.raises(ValueError, match="cannot map 16 input channels to filters=8"):
        ZeroPadShortcut(8)(keras.Input((4, 4, 16)))
    with pytest.raises(ValueError, match="strides must be a positive integer; received strides=0"):
        ZeroPadShortcut(8, strides=0)


def test_zero_pad_shortcut_is_serializable():
    layer = ZeroPadShortcut(24, strides=2, name="conv3_block1_0_shortcut")
    assert keras.saving.get_registered_name(ZeroPadShortcut) == "convlab>ZeroPadShortcut"
    config = keras.saving.serialize_keras_object(layer)
    clone = keras.saving.deserialize_keras_object(config)
    assert isinstance(clone, ZeroPadShortcut)
    assert (clone.filters, clone.strides, clone.name) == (24, 2, "conv3_block1_0_shortcut")
    x = np.ones((1, 6, 6, 8), "float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(clone(x)),
                                  keras.ops.convert_to_numpy(layer(x)))


# ------------------------------------------------------------------------- ResNet


def test_resnet50_stage_shapes_and_the_stride_in_the_first_1x1():
    model = netlib.build("resnet50", include_top=False)
    # Table 1: conv2_x .. conv5_x outputs at 224x224.
    assert _shape(model, "conv1_relu") == (112, 112, 64)
    assert _shape(model, "pool1_pool") == (56, 56, 64)
    assert _shape(model, "conv2_block3_out") == (56, 56, 256)
    assert _shape(model, "conv3_block4_out") == (28, 28, 512)
    assert _shape(model, "conv4_block6_out") == (14, 14, 1024)
    assert _shape(model, "conv5_block3_out") == (7, 7, 2048)
    for stage in (3, 4, 5):
        first_1x1 = model.get_layer(f"conv{stage}_block1_1_conv")
        assert first_1x1.kernel_size == (1, 1) and first_1x1.strides == (2, 2)
        assert model.get_layer(f"conv{stage}_block1_2_conv").strides == (1, 1)
        assert model.get_layer(f"conv{stage}_block1_0_conv").strides == (2, 2)
    assert model.get_layer("conv2_block1_1_conv").strides == (1, 1)
    # Option B projects only the first block of each stage, where the shape changes.
    projections = [layer.name for layer in model.layers if layer.name.endswith("_0_conv")]
    assert projections == [f"conv{stage}_block1_0_conv" for stage in (2, 3, 4, 5)]


def test_resnet20_stage_shapes():
    model = netlib.build("resnet20", classes=10)
    assert _shape(model, "conv1_relu") == (32, 32, 16)
    assert _shape(model, "conv2_block3_out") == (32, 32, 16)
    assert _shape(model, "conv3_block3_out") == (16, 16, 32)
    assert _shape(model, "conv4_block3_out") == (8, 8, 64)
    assert _shape(model, "predictions") == (10,)


def _projection_weights(channels_in, channels_out):
    # 1x1 kernel (no bias) + batch norm's gamma, beta, moving mean and moving variance.
    return channels_in * channels_out + 4 * channels_out


def test_shortcut_options_differ_by_exactly_the_projection_weights():
    counts = {
        mode: _count(netlib.build("resnet20", classes=10, shortcut=mode)) for mode in "ABC"
    }
    # B projects where the width doubles (16->32, 32->64); C projects in all 9 blocks.
    b_extra = _projection_weights(16, 32) + _projection_weights(32, 64)
    c_extra = (
        3 * _projection_weights(16, 16)
        + _projection_weights(16, 32) + 2 * _projection_weights(32, 32)
        + _projection_weights(32, 64) + 2 * _projection_weights(64, 64)
    )
    assert (b_extra, c_extra) == (2_944, 14_912)
    assert counts["B"] - counts["A"] == b_extra
    assert counts["C"] - counts["A"] == c_extra


def test_residual_and_plain_nets_differ_only_by_their_shortcuts():
    resnet = netlib.build("resnet20", classes=10)
    plain = netlib.build("plain20", classes=10)
    assert len(_layers_of_type(resnet, keras.layers.Add)) == 9
    assert _layers_of_type(plain, keras.layers.Add) == []
    zero_pads = [layer.name for layer in _layers_of_type(resnet, ZeroPadShortcut)]
    assert zero_pads == ["conv3_block1_0_shortcut", "conv4_block1_0_shortcut"]
    assert _count(resnet) == _count(plain)  # option A adds no parameters (section 4.2)
    with pytest.raises(ValueError, match="'plain20' has no option 'shortcut'"):
        netlib.build("plain20", shortcut="A")


@pytest.mark.parametrize("depth", sorted(CIFAR_PAPER_PARAMS))
def test_cifar_references_round_to_the_papers_table_6(depth):
    # test_models.py checks that the builder gives the reference count exactly.
    for name in (f"resnet{depth}", f"plain{depth}"):
        if name not in netlib.list_models():
            continue  # the paper has no plain-110
        ref = netlib.model_info(name).reference
        assert ref.classes == 10 and ref.trainable_only
        assert f"{ref.params / 1e6:.2g}M" == CIFAR_PAPER_PARAMS[depth]


# ---------------------------------------------------------------------- MobileNets


def test_mobilenet_v1_table_1_resolutions_and_multipliers():
    model = netlib.build("mobilenet", alpha=0.25, depth_multiplier=2)
    assert _shape(model, "conv1_relu") == (112, 112, 8)
    assert _shape(model, "conv_dw_1") == (112, 112, 16)  # 8 channels x depth multiplier 2
    assert _shape(model, "conv_pw_1_relu") == (112, 112, 16)
    for block, size in ((2, 56), (4, 28), (6, 14), (11, 14), (12, 7), (13, 7)):
        assert _shape(model, f"conv_pw_{block}_relu")[:2] == (size, size)
    assert _shape(model, "conv_pw_13_relu")[-1] == 256  # 1024 x 0.25


def test_mobilenet_v2_bottleneck_channels_follow_table_2():
    model = netlib.build("mobilenet_v2", include_top=False)
    # Last block of each bottleneck sequence: (block, size, channels) at 224x224.
    expected = [
        ("expanded_conv_project_BN", 112, 16),
        ("block_2_project_BN", 56, 24),
        ("block_5_project_BN", 28, 32),
        ("block_9_project_BN", 14, 64),
        ("block_12_project_BN", 14, 96),
        ("block_15_project_BN", 7, 160),
        ("block_16_project_BN", 7, 320),
        ("out_relu", 7, 1280),
    ]
    for layer, size, channels in expected:
        assert _shape(model, layer) == (size, size, channels), layer
    assert _shape(model, "block_1_expand_relu")[-1] == 16 * 6  # expansion t = 6
    adds = [layer.name for layer in _layers_of_type(model, keras.layers.Add)]
    assert len(adds) == 10  # n - 1 residual blocks per sequence: 1 + 2 + 3 + 2 + 2
    assert "block_16_add" not in adds and "block_13_add" not in adds


def test_mobilenet_v2_width_multiplier_rounds_to_multiples_of_8():
    model = netlib.build("mobilenet_v2", input_shape=32, alpha=0.35, include_top=False)
    assert _shape(model, "bn_Conv1")[-1] == 16  # 32 x 0.35 = 11.2: 8 would lose > 10%
    assert _shape(model, "block_16_project_BN")[-1] == 112  # 320 x 0.35
    assert _shape(model, "out_relu")[-1] == 1280  # kept for alpha < 1


# --------------------------------------------------------------------- EfficientNet


def test_efficientnet_b0_stages_follow_table_1():
    model = netlib.build("efficientnet_b0")
    expected = [
        ("stem_activation", 112, 32),
        ("block1a_project_bn", 112, 16),
        ("block2b_add", 56, 24),
        ("block3b_add", 28, 40),
        ("block4c_add", 14, 80),
        ("block5c_add", 14, 112),
        ("block6d_add", 7, 192),
        ("block7a_project_bn", 7, 320),
        ("top_activation", 7, 1280),
    ]
    for layer, size, channels in expected:
        assert _shape(model, layer) == (size, size, channels), layer
    blocks = sorted({layer.name.split("_")[0] for layer in model.layers
                     if layer.name.startswith("block")})
    assert blocks == ["block1a", "block2a", "block2b", "block3a", "block3b", "block4a",
                      "block4b", "block4c", "block5a", "block5b", "block5c", "block6a",
                      "block6b", "block6c", "block6d", "block7a"]
    # Kernel sizes of Table 1 and squeeze-excitation to a quarter of the input channels.
    kernels = {stage: model.get_layer(f"block{stage}a_dwconv").kernel_size[0]
               for stage in range(1, 8)}
    assert kernels == {1: 3, 2: 3, 3: 5, 4: 3, 5: 5, 6: 5, 7: 3}
    assert _shape(model, "block2a_se_reduce")[-1] == 4  # 16 input channels x 0.25
    # Drop connect grows linearly with the block index (0 .. 15 of 16) up to 0.2.
    drops = {layer.name: layer for layer in _layers_of_type(model, keras.layers.Dropout)}
    assert drops["block2b_drop"].rate == pytest.approx(0.2 * 2 / 16)
    assert drops["block6d_drop"].rate == pytest.approx(0.2 * 14 / 16)
    assert tuple(drops["block6d_drop"].noise_shape) == (None, 1, 1, 1)
    assert drops["top_dropout"].rate == 0.2


# --------------------------------------------------------- true minimum input size


@pytest.mark.parametrize(
    "name", [n for n in netlib.list_models() if netlib.model_info(n).family in ROUNDING_UP]
)
def test_one_pixel_is_the_minimum_input(name):
    # Every down-sampling rounds up, so a 1x1 input keeps every map at 1x1 and runs;
    # tests/test_models.py checks that the registry's minimum is the true one.
    assert netlib.model_info(name).minimum_size() == 1


# ----------------------------------------------------------------------------- JAX

_JAX_SCRIPT = textwrap.dedent(
    """
    import sys
    import keras
    import numpy as np
    import netlib

    assert keras.backend.backend() == "jax", keras.backend.backend()
    folder = sys.argv[1]
    x = np.load(f"{{folder}}/x.npy")
    for name, arguments in {cases!r}:
        model = netlib.build(name, input_shape=32, classifier_activation=None, **arguments)
        model.load_weights(f"{{folder}}/{{name}}.weights.h5")
        np.save(f"{{folder}}/{{name}}_jax.npy", model.predict(x, verbose=0))
    """
)


def test_resnet20_and_mobilenet_v2_give_the_same_outputs_on_jax(tmp_path):
    # The backend is fixed per process: build the same models in a JAX subprocess, load
    # the weights saved here (TensorFlow), and compare the forward passes.
    cases = [("resnet20", {"classes": 10}), ("mobilenet_v2", {"classes": 5, "alpha": 0.35})]
    x = np.random.default_rng(2).uniform(0, 1, (2, 32, 32, 3)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    expected = {}
    for name, arguments in cases:
        model = netlib.build(name, input_shape=32, classifier_activation=None, **arguments)
        randomize_batch_norm(model)
        model.save_weights(tmp_path / f"{name}.weights.h5")
        expected[name] = keras.ops.convert_to_numpy(model(x, training=False))
    script = tmp_path / "run_on_jax.py"
    script.write_text(_JAX_SCRIPT.format(cases=cases))
    # XLA compiles every initializer and layer for the CPU; without LLVM's optimisations
    # that takes a third of the time (measured: 10 s instead of 29 s of CPU), and one
    # forward pass needs no fast code. The arithmetic is the same.
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(REPO),
           "JAX_PLATFORMS": "cpu", "XLA_FLAGS": "--xla_backend_optimization_level=0"}
    result = subprocess.run([sys.executable, str(script), str(tmp_path)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    for name, _ in cases:
        on_jax = np.load(tmp_path / f"{name}_jax.npy")
        np.testing.assert_allclose(on_jax, expected[name], rtol=1e-4, atol=1e-4)
