"""The classic architectures against their papers: LeNet-5, AlexNet, NiN, VGG, GoogLeNet.

tests/test_models.py checks every registered model (its parameter counts at the paper's
size, the true minimum size, save/load, a few training steps that must lower the loss);
here: the LRN formula, landmark shapes and per-layer counts from the papers, hand
arithmetic for the references, and AlexNet's grouped convolutions on the TensorFlow and
JAX backends. Inputs are small so that the file stays fast on a CPU.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import netlib
from model_checks import inference_loss, learnable_batch
from netlib.architectures.lenet import C3_TABLE
from netlib.layers import ConnectionTableConv2D, LocalResponseNormalization

REPO = Path(__file__).resolve().parent.parent


pytestmark = pytest.mark.usefixtures("free_models")


def _shape(model, layer_name):
    return tuple(model.get_layer(layer_name).output.shape[1:])


def _params(model, layer_name):
    return model.get_layer(layer_name).count_params()


# ---------------------------------------------------------------- local response normalisation


def _lrn_by_the_formula(a, n=5, k=2.0, alpha=1e-4, beta=0.75):
    """Krizhevsky et al., section 3.3, written out channel by channel."""
    channels = a.shape[-1]
    b = np.empty_like(a, dtype=np.float64)
    for i in range(channels):
        lo, hi = max(0, i - n // 2), min(channels - 1, i + n // 2)
        energy = np.sum(a[..., lo : hi + 1].astype(np.float64) ** 2, axis=-1)
        b[..., i] = a[..., i] / (k + alpha * energy) ** beta
    return b


@pytest.fixture
def activations():
    # Large enough that alpha * sum(a^2) is comparable to k, so the normalisation matters.
    return (np.random.default_rng(0).normal(size=(2, 4, 5, 9)) * 40).astype("float32")


def test_lrn_equals_the_papers_formula(activations):
    expected = _lrn_by_the_formula(activations)
    assert np.abs(expected - activations).max() > 1.0, "the test input must be normalised"
    got = keras.ops.convert_to_numpy(LocalResponseNormalization()(activations))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_lrn_equals_tensorflows(activations):
    expected = tf.nn.local_response_normalization(
        activations, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75
    ).numpy()
    got = keras.ops.convert_to_numpy(LocalResponseNormalization()(activations))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_lrn_in_float16_does_not_overflow():
    # 300^2 is beyond float16's range (65,504): summing the squares in float16 gives inf.
    a = np.full((1, 2, 2, 8), 300.0, dtype="float32")
    half = LocalResponseNormalization(dtype="float16")(a.astype("float16"))
    got = keras.ops.convert_to_numpy(half).astype("float32")
    np.testing.assert_allclose(got, _lrn_by_the_formula(a), rtol=2e-3)


def test_lrn_refuses_an_even_size():
    with pytest.raises(ValueError, match="positive odd integer; received size=4"):
        LocalResponseNormalization(size=4)


# ---------------------------------------------------------------------------------- LeNet-5


def test_lenet5_layer_sizes_and_parameters_are_the_papers():
    model = netlib.build("lenet5", classes=10)
    assert _shape(model, "c1_conv") == (28, 28, 6)
    assert _shape(model, "s2_pool") == (14, 14, 6)
    assert _shape(model, "c3_conv") == (10, 10, 16)
    assert _shape(model, "s4_pool") == (5, 5, 16)
    assert _shape(model, "c5_conv") == (1, 1, 120)
    assert _shape(model, "f6_dense") == (84,)
    # Section II.B: C1 156, C3 1,516 with Table I (2,416 if full), C5 48,120, F6 10,164.
    assert _params(model, "c1_conv") == 156
    assert _params(model, "c3_conv") == 2_416
    assert _params(model, "c5_conv") == 48_120
    assert _params(model, "f6_dense") == 10_164
    assert model.get_layer("c1_act").get_config()["activation"] == "tanh"
    sparse = netlib.build("lenet5", classes=10, c3_connections="paper", activation="relu")
    assert _params(sparse, "c3_conv") == 1_516
    assert sparse.get_layer("c3_act").get_config()["activation"] == "relu"


def test_c3_table_has_the_papers_sixty_connections():
    assert len(C3_TABLE) == 16 and sum(len(maps) for maps in C3_TABLE) == 60
    assert all(len(set(maps)) == len(maps) for maps in C3_TABLE)
    assert C3_TABLE[15] == (0, 1, 2, 3, 4, 5)


def test_connection_table_conv_connects_exactly_the_tables_maps():
    layer = ConnectionTableConv2D(C3_TABLE, 5)
    x = np.random.default_rng(1).normal(size=(1, 14, 14, 6)).astype("float32")
    base = keras.ops.convert_to_numpy(layer(x))
    assert base.shape == (1, 10, 10, 16)
    for i in range(6):
        nudged = x.copy()
        nudged[..., i] += 1.0
        changed = np.abs(keras.ops.convert_to_numpy(layer(nudged)) - base).max(axis=(0, 1, 2))
        connected = {j for j, maps in enumerate(C3_TABLE) if i in maps}
        assert set(np.flatnonzero(changed > 1e-6)) == connected, f"S2 map {i}"


# ---------------------------------------------------------------------------------- AlexNet


def test_alexnet_landmark_shapes():
    model = netlib.build("alexnet", include_top=False)
    assert _shape(model, "conv1_conv") == (55, 55, 96)
    assert _shape(model, "conv1_pool") == (27, 27, 96)
    assert _shape(model, "conv2_pool") == (13, 13, 256)
    assert _shape(model, "conv3_conv") == (13, 13, 384)
    assert _shape(model, "conv5_pool") == (6, 6, 256)
    assert model.outputs[0].shape[1:] == (6, 6, 256)
    names = [layer.name for layer in model.layers]
    # Section 3.5: LRN follows the ReLU of conv1 and conv2, and comes before the pooling.
    assert names.index("conv1_relu") < names.index("conv1_lrn") < names.index("conv1_pool")
    assert "conv3_lrn" not in names


def test_alexnet_references_by_hand():
    def conv(k, c_in, c_out, groups=1):
        return k * k * (c_in // groups) * c_out + c_out

    def dense(n_in, n_out):
        return n_in * n_out + n_out

    head = dense(6 * 6 * 256, 4096) + dense(4096, 4096) + dense(4096, 1000)
    for groups in (1, 2):
        features = (
            conv(11, 3, 96)
            + conv(5, 96, 256, groups)
            + conv(3, 256, 384)
            + conv(3, 384, 384, groups)
            + conv(3, 384, 256, groups)
        )
        references = netlib.model_info("alexnet").references
        stated = [r.params for r in references if r.options.get("groups", 2) == groups]
        assert stated == [features + head]


def test_alexnet_groups_split_the_kernel_maps_between_the_two_gpus():
    model = netlib.build("alexnet", input_shape=67, classes=3, groups=2)
    conv2 = model.get_layer("conv2_conv")
    x = np.random.default_rng(2).normal(size=(1, 7, 7, 96)).astype("float32")
    nudged = x.copy()
    nudged[..., 48:] += 1.0  # the second GPU's half of conv1's maps
    change = np.abs(keras.ops.convert_to_numpy(conv2(nudged) - conv2(x))).max(axis=(0, 1, 2))
    assert change[:128].max() == 0.0 and change[128:].min() > 0.0
    assert model.get_layer("conv3_conv").get_config()["groups"] == 1


def test_alexnet_with_groups_runs_and_trains_on_the_tensorflow_cpu():
    assert keras.backend.backend() == "tensorflow"
    keras.utils.set_random_seed(3)
    model = netlib.build("alexnet", input_shape=67, classes=4, groups=2)
    x, y = learnable_batch(model, classes=4)
    eager = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(model.predict(x, verbose=0), eager, rtol=1e-4, atol=1e-6)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    before = inference_loss(model, x, y, [1.0])
    model.fit(np.tile(x, (3, 1, 1, 1)), np.tile(y, 3), batch_size=len(x), shuffle=False, verbose=0)
    assert inference_loss(model, x, y, [1.0]) < before


def test_alexnet_with_groups_runs_and_trains_on_jax():
    script = textwrap.dedent(
        """
        import keras, numpy as np, netlib
        assert keras.backend.backend() == "jax"
        keras.utils.set_random_seed(4)
        # The convolutional part (grouped conv2, conv4, conv5 and LRN): the dense head is not
        # what differs between backends, and initialising its 57M weights is slow on JAX.
        model = netlib.build("alexnet", input_shape=67, include_top=False, pooling="avg")
        x = np.random.default_rng(4).uniform(0, 1, size=(4, 67, 67, 3)).astype("float32")
        features = model.predict(x, verbose=0)
        assert features.shape == (4, 256) and np.isfinite(features).all()
        model.compile(optimizer="sgd", loss="mse")
        loss = model.fit(x, np.ones((4, 256), "float32"), epochs=1, verbose=0).history["loss"][0]
        assert np.isfinite(loss), loss
        print("trained on", keras.backend.backend(), "loss", loss)
        """
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "trained on jax" in result.stdout


# -------------------------------------------------------------------------------------- NiN


def _nin_by_hand(first_conv_in, blocks, classes):
    """Sum of (k*k*in + 1) * out over the convolutions of the authors' Caffe definitions."""
    total, c_in = 0, first_conv_in
    for kernel, widths in blocks:
        widths = [classes if w is None else w for w in widths]
        for k, out in zip((kernel, 1, 1), widths):
            total += (k * k * c_in + 1) * out
            c_in = out
    return total


def test_nin_references_are_the_caffe_definitions_by_hand():
    cifar = [(5, (192, 160, 96)), (5, (192, 192, 192)), (3, (192, 192, None))]
    imagenet = [(11, (96, 96, 96)), (5, (256, 256, 256)), (3, (384, 384, 384)),
                (3, (1024, 1024, None))]  # fmt: skip
    assert netlib.model_info("nin_cifar").reference.params == _nin_by_hand(3, cifar, 10)
    assert netlib.model_info("nin").reference.params == _nin_by_hand(3, imagenet, 1000)


def test_nin_pools_round_up_like_caffe_and_end_in_class_maps():
    model = netlib.build("nin")
    assert _shape(model, "mlpconv1_conv") == (54, 54, 96)
    assert _shape(model, "mlpconv1_pool") == (27, 27, 96)
    assert _shape(model, "mlpconv2_pool") == (13, 13, 256)
    assert _shape(model, "mlpconv3_pool") == (6, 6, 384)
    assert _shape(model, "mlpconv4_cccp2") == (6, 6, 1000)
    assert not any(isinstance(layer, keras.layers.Dense) for layer in model.layers)
    cifar = netlib.build("nin_cifar", classes=10)
    assert _shape(cifar, "mlpconv1_pool") == (16, 16, 96)
    assert _shape(cifar, "mlpconv2_pool") == (8, 8, 192)
    assert _shape(cifar, "mlpconv3_cccp2") == (8, 8, 10)
    assert isinstance(cifar.get_layer("mlpconv2_pool"), keras.layers.AveragePooling2D)
    features = netlib.build("nin_cifar", include_top=False)
    assert features.outputs[0].shape[1:] == (8, 8, 192)
    assert features.layers[-1].name == "mlpconv3_cccp1_relu"


def test_nin_class_score_is_the_average_of_its_class_map():
    model = netlib.build("nin_cifar", classes=10, classifier_activation=None)
    x = np.random.default_rng(5).uniform(0, 1, size=(2, 32, 32, 3)).astype("float32")
    maps = keras.Model(model.inputs[0], model.get_layer("mlpconv3_cccp2_relu").output)
    expected = keras.ops.convert_to_numpy(maps(x)).mean(axis=(1, 2))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


# -------------------------------------------------------------------------------------- VGG


def test_vgg16_landmark_shapes_and_batch_norm_layout():
    model = netlib.build("vgg16", include_top=False)
    assert _shape(model, "block1_conv2") == (224, 224, 64)
    assert _shape(model, "block5_conv3") == (14, 14, 512)
    assert _shape(model, "block5_pool") == (7, 7, 512)
    assert len([l for l in model.layers if isinstance(l, keras.layers.Conv2D)]) == 13
    keras.backend.clear_session()
    bn = netlib.build("vgg11", input_shape=32, include_top=False, batch_norm=True)
    conv = bn.get_layer("block1_conv1")
    assert conv.use_bias is False and conv.get_config()["activation"] == "linear"
    assert isinstance(bn.get_layer("block1_conv1_bn"), keras.layers.BatchNormalization)
    assert isinstance(bn.get_layer("block1_conv1_relu"), keras.layers.ReLU)


@pytest.mark.parametrize("name, convs", [("vgg11", 8), ("vgg13", 10), ("vgg16", 13), ("vgg19", 16)])
def test_vgg_configurations_have_the_papers_depth(name, convs):
    model = netlib.build(name, input_shape=32, include_top=False)
    assert len([l for l in model.layers if isinstance(l, keras.layers.Conv2D)]) == convs


# -------------------------------------------------------------------------------- GoogLeNet

# Table 1: output size after each row.
_GOOGLENET_TABLE_1 = {
    "conv1_7x7_s2": (112, 112, 64),
    "pool1_3x3_s2": (56, 56, 64),
    "conv2_3x3": (56, 56, 192),
    "pool2_3x3_s2": (28, 28, 192),
    "inception_3a_output": (28, 28, 256),
    "inception_3b_output": (28, 28, 480),
    "pool3_3x3_s2": (14, 14, 480),
    "inception_4a_output": (14, 14, 512),
    "inception_4b_output": (14, 14, 512),
    "inception_4c_output": (14, 14, 512),
    "inception_4d_output": (14, 14, 528),
    "inception_4e_output": (14, 14, 832),
    "pool4_3x3_s2": (7, 7, 832),
    "inception_5a_output": (7, 7, 832),
    "inception_5b_output": (7, 7, 1024),
    "pool5_7x7_s1": (1024,),
    "predictions": (1000,),
}


def test_googlenet_output_sizes_are_table_1():
    model = netlib.build("googlenet")
    for layer_name, shape in _GOOGLENET_TABLE_1.items():
        assert _shape(model, layer_name) == shape, layer_name
    assert _shape(model, "inception_3a_5x5") == (28, 28, 32)
    assert model.get_layer("inception_3a_5x5").kernel_size == (5, 5)
    assert model.get_layer("pool5_dropout").rate == 0.4
    names = [layer.name for layer in model.layers]
    assert names.index("pool1_3x3_s2") < names.index("pool1_norm1") < names.index("conv2_3x3")
    assert names.index("conv2_3x3") < names.index("conv2_norm2") < names.index("pool2_3x3_s2")


def test_googlenet_reference_by_hand_from_table_1():
    rows = [  # #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj
        (64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64),
        (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
        (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128),
        (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128),
    ]  # fmt: skip

    def conv(k, c_in, c_out):
        return k * k * c_in * c_out + c_out

    total, c_in = conv(7, 3, 64) + conv(1, 64, 64) + conv(3, 64, 192), 192
    for n1, r3, n3, r5, n5, pp in rows:
        total += conv(1, c_in, n1) + conv(1, c_in, r3) + conv(3, r3, n3)
        total += conv(1, c_in, r5) + conv(5, r5, n5) + conv(1, c_in, pp)
        c_in = n1 + n3 + n5 + pp
    total += 1024 * 1000 + 1000
    aux = sum(conv(1, c, 128) + (4 * 4 * 128 + 1) * 1024 + 1025 * 1000 for c in (512, 528))
    main, with_aux = netlib.model_info("googlenet").references[:2]
    assert main.params == total
    assert with_aux.options == {"aux_heads": True} and with_aux.params == total + aux


def test_googlenet_naive_modules_concatenate_the_pooled_input():
    model = netlib.build("googlenet", input_shape=64, naive=True, include_top=False)
    # Figure 2a with 3a's widths: 64 + 128 + 32 + the 192 pooled input channels.
    assert _shape(model, "inception_3a_output")[-1] == 64 + 128 + 32 + 192
    names = {layer.name for layer in model.layers}
    assert "inception_3a_3x3_reduce" not in names and "inception_3a_pool_proj" not in names


def test_googlenet_aux_heads_are_extra_outputs_after_4a_and_4d():
    model = netlib.build("googlenet", aux_heads=True)
    assert [o.shape[1:] for o in model.outputs] == [(1000,)] * 3
    assert model.output_names == ["predictions", "aux1_predictions", "aux2_predictions"]
    assert _shape(model, "aux1_ave_pool") == (4, 4, 512)
    assert _shape(model, "aux2_ave_pool") == (4, 4, 528)
    assert model.get_layer("aux1_drop_fc").rate == 0.7
    assert len(netlib.build("googlenet", include_top=False, aux_heads=True).outputs) == 1


def test_googlenet_minimum_size_depends_on_the_aux_heads():
    info = netlib.model_info("googlenet")
    assert info.minimum_size({"aux_heads": True}) > info.minimum_size()
    with pytest.raises(ValueError, match="at least 47x47"):
        netlib.build("googlenet", input_shape=46, aux_heads=True)


def test_googlenet_batch_norm_sits_between_each_convolution_and_its_relu():
    model = netlib.build("googlenet", input_shape=31, include_top=False, batch_norm=True)
    conv = model.get_layer("inception_3a_5x5")
    assert conv.use_bias is False
    bn = model.get_layer("inception_3a_5x5_bn")
    assert bn.input is conv.output and model.get_layer("inception_3a_relu_5x5").input is bn.output
    assert isinstance(model.get_layer("pool1_norm1"), LocalResponseNormalization)


def test_bad_options_name_the_valid_values():
    with pytest.raises(ValueError, match=r"groups of 'alexnet' must be one of 1, 2; .*groups=3"):
        netlib.build("alexnet", groups=3)
    with pytest.raises(ValueError, match=r"'full', 'paper'"):
        netlib.build("lenet5", c3_connections="sparse")
    with pytest.raises(ValueError, match=r"options are: batch_norm, naive, aux_heads"):
        netlib.build("googlenet", aux=True)
