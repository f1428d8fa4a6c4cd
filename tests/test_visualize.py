"""netlib.visualize against hand arithmetic: CAM of a tiny global-average-pooling model
(1x1 convolutions, so the feature maps are a matrix product numpy can redo), Grad-CAM
(which on such a head must equal the rectified CAM divided by the map's pixels), the
filter and feature-map grids, and the same checks on the JAX backend in a subprocess."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from netlib.predict import load_model, prepare_images
from netlib.visualize import Visualizer, feature_grid, filter_grid, resize_heatmap

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "resources" / "models" / "lenet5_digits.keras"
DIGIT = REPO / "resources" / "digits" / "7" / "0828.png"

# A tiny CAM network: 1x1 convolution (features), global average pooling, dense scores.
# Written as source so that the JAX subprocess builds exactly the same thing.
TINY_MODEL = textwrap.dedent(
    """
    import keras
    import numpy as np

    def tiny_gap_model(softmax_layer=True, seed=0):
        rng = np.random.default_rng(seed)
        pixels = keras.Input((6, 5, 3), name="pixels")
        conv = keras.layers.Conv2D(4, 1, activation="relu", name="features")
        pool = keras.layers.GlobalAveragePooling2D(name="avg_pool")
        drop = keras.layers.Dropout(0.5, name="dropout")
        dense = keras.layers.Dense(
            3, activation=None if softmax_layer else "softmax", name="predictions"
        )
        x = dense(drop(pool(conv(pixels))))
        if softmax_layer:
            x = keras.layers.Activation("softmax", name="probabilities")(x)
        model = keras.Model(pixels, x)
        conv.set_weights([rng.normal(size=(1, 1, 3, 4)), rng.normal(size=4) * 0.1])
        dense.set_weights([rng.normal(size=(4, 3)), rng.normal(size=3)])
        image = rng.uniform(0, 1, size=(6, 5, 3)).astype("float32")
        return model, conv, dense, image

    def by_hand(conv, dense, image):
        kernel, bias = (np.asarray(w, np.float64) for w in conv.get_weights())
        maps = np.maximum(image.astype(np.float64) @ kernel[0, 0] + bias, 0)  # (6, 5, 4)
        weights, offsets = (np.asarray(w, np.float64) for w in dense.get_weights())
        logits = maps.mean(axis=(0, 1)) @ weights + offsets
        cams = np.einsum("hwk,kc->chw", maps, weights)  # one map per class
        return maps, logits, cams
    """
)
namespace: dict = {}
exec(TINY_MODEL, namespace)  # noqa: S102 - our own source, shared with the subprocess
tiny_gap_model, by_hand = namespace["tiny_gap_model"], namespace["by_hand"]


def test_cam_equals_the_hand_computation():
    model, conv, dense, image = tiny_gap_model()
    _, logits, cams = by_hand(conv, dense, image)
    view = Visualizer(model)
    assert view.default_layer() == "features"

    result = view.class_activation_map(image)
    assert result.method == "cam" and result.layer == "features"
    np.testing.assert_allclose(result.scores, logits, rtol=1e-5, atol=1e-5)  # logits, not softmax
    assert result.class_index == int(np.argmax(logits))
    np.testing.assert_allclose(result.raw, cams[result.class_index], rtol=1e-5, atol=1e-5)
    # The CAM paper's identity: the class score is the map's mean plus the dense bias.
    bias = dense.get_weights()[1][result.class_index]
    assert result.raw.mean() + bias == pytest.approx(logits[result.class_index], rel=1e-5)
    assert result.heatmap.max() == pytest.approx(1.0)
    np.testing.assert_allclose(
        result.heatmap, np.maximum(result.raw, 0) / result.raw.max(), rtol=1e-5, atol=1e-6
    )
    for c in range(3):  # any class on request
        np.testing.assert_allclose(
            view.class_activation_map(image, c).raw, cams[c], rtol=1e-5, atol=1e-5
        )


def test_a_nested_network_with_a_dense_softmax_head_gives_the_same_cam():
    # The network inside an outer model (ConvLab's inference models nest theirs), and the
    # softmax inside the dense layer: the scores are still the logits.
    network, conv, dense, image = tiny_gap_model(softmax_layer=False)
    pixels = keras.Input((6, 5, 3), name="outer_pixels")
    outer = keras.Model(pixels, network(keras.layers.Identity(name="prep")(pixels)))
    _, logits, cams = by_hand(conv, dense, image)
    view = Visualizer(outer)
    assert view.default_layer() == f"{network.name}/features"
    assert f"{network.name}/features" in view.spatial_layers()
    result = view.class_activation_map(image, 1)
    assert result.method == "cam"
    np.testing.assert_allclose(result.scores, logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(result.raw, cams[1], rtol=1e-5, atol=1e-5)


def test_grad_cam_on_a_gap_head_is_the_rectified_cam_over_the_pixels():
    # d score_c / d A[y, x, k] = W[k, c] / (h * w): Grad-CAM's weights are CAM's, scaled.
    model, conv, dense, image = tiny_gap_model()
    _, _, cams = by_hand(conv, dense, image)
    view = Visualizer(model)
    for c in range(3):
        result = view.class_activation_map(image, c, method="grad-cam")
        assert result.method == "grad-cam" and result.raw.shape == (6, 5)
        np.testing.assert_allclose(
            result.raw * 30, np.maximum(cams[c], 0), rtol=1e-4, atol=1e-5
        )


def test_grad_cam_of_the_bundled_lenet_is_non_negative_and_explains_its_prediction():
    loaded = load_model(BUNDLED)
    [digit], _ = prepare_images(loaded, [DIGIT])
    view = Visualizer(loaded.model)
    assert view.default_layer() == "lenet5/s4_pool"  # the last maps larger than 1x1
    probabilities = loaded.model.predict(digit[None], verbose=0)[0]

    result = view.class_activation_map(digit)
    assert result.method == "grad-cam"  # a dense head: CAM does not apply
    assert result.class_index == int(np.argmax(probabilities)) == 7
    np.testing.assert_allclose(  # the scores are the logits under the softmax
        np.exp(result.scores) / np.exp(result.scores).sum(), probabilities, atol=1e-5
    )
    assert result.heatmap.shape == (5, 5) and result.heatmap.dtype == np.float32
    assert result.heatmap.min() >= 0 and result.heatmap.max() == pytest.approx(1.0)
    assert result.raw.min() >= 0 and result.raw.max() > 0
    other = view.class_activation_map(digit, 1, layer="lenet5/c3_act")
    assert other.heatmap.shape == (10, 10) and other.heatmap.min() >= 0
    resized = result.resized((32, 32))
    assert resized.shape == (32, 32) and 0 <= resized.min() and resized.max() <= 1

    with pytest.raises(ValueError, match="CAM needs"):
        view.class_activation_map(digit, method="cam")
    with pytest.raises(ValueError, match="method must be one of auto, cam, grad-cam"):
        view.class_activation_map(digit, method="saliency")
    with pytest.raises(ValueError, match=r"No layer 'lenet5/f6_dense'.*lenet5/c1_conv"):
        view.class_activation_map(digit, layer="lenet5/f6_dense")
    with pytest.raises(ValueError, match="class_index must be between 0 and 9"):
        view.class_activation_map(digit, 10)


def test_feature_maps_are_the_layer_outputs_and_tile_into_a_grid():
    loaded = load_model(BUNDLED)
    [digit], _ = prepare_images(loaded, [DIGIT])
    view = Visualizer(loaded.model)
    maps = view.feature_maps(digit, "lenet5/c1_act")
    network = loaded.model.get_layer("lenet5")
    preprocess = keras.Sequential(
        [loaded.model.get_layer("rescale"), loaded.model.get_layer("normalize")]
    )
    expected = keras.Model(network.inputs[0], network.get_layer("c1_act").output)(
        preprocess(digit[None].astype("float32"))
    )
    np.testing.assert_allclose(maps, np.asarray(expected)[0], rtol=1e-4, atol=1e-5)
    assert maps.shape == (28, 28, 6)

    grid = feature_grid(maps, columns=3)
    assert grid.shape == (2 * 29 + 1, 3 * 29 + 1, 1) and grid.dtype == np.uint8
    first = grid[1:29, 1:29, 0].astype(float)  # each map scaled to its own range
    channel = maps[..., 0]
    if np.ptp(channel) > 0:
        assert first.min() == 0 and first.max() == 255
        np.testing.assert_allclose(
            first, np.rint((channel - channel.min()) / np.ptp(channel) * 255), atol=1
        )
    assert feature_grid(np.zeros((4, 4, 2))).max() == 255  # constant maps black, padding white


def test_first_layer_filters_and_their_grid():
    loaded = load_model(BUNDLED)
    view = Visualizer(loaded.model)
    filters = view.first_layer_filters()
    assert filters.shape == (6, 5, 5, 1)  # LeNet-5's C1: six 5x5 kernels on grey pixels
    kernel = np.asarray(loaded.model.get_layer("lenet5").get_layer("c1_conv").kernel.numpy())
    for i in range(6):
        weights = kernel[..., 0, i]
        np.testing.assert_allclose(
            filters[i, ..., 0], (weights - weights.min()) / np.ptp(weights), atol=1e-6
        )
        assert filters[i].min() == 0 and filters[i].max() == pytest.approx(1)
    grid = filter_grid(filters, columns=3, scale=4)
    assert grid.shape == (2 * 21 + 1, 3 * 21 + 1, 1)
    colour = filter_grid(np.random.default_rng(0).uniform(size=(96, 11, 11, 3)))
    assert colour.shape == (10 * 12 + 1, 10 * 12 + 1, 3)  # AlexNet's 96 as a 10x10 grid
    with pytest.raises(ValueError, match="filters must be"):
        filter_grid(np.zeros((4, 5, 5, 2)))


def test_models_without_maps_are_refused_with_a_reason():
    inputs = keras.Input((4,))
    with pytest.raises(ValueError, match="one image input"):
        Visualizer(keras.Model(inputs, keras.layers.Dense(2)(inputs)))
    pixels = keras.Input((1, 1, 3))
    flat = keras.Model(pixels, keras.layers.Dense(2)(keras.layers.Flatten()(pixels)))
    with pytest.raises(ValueError, match="no feature maps larger than 1x1"):
        Visualizer(flat).default_layer()
    with pytest.raises(ValueError, match="no convolution layer"):
        Visualizer(flat).first_layer_filters()
    assert resize_heatmap(np.eye(2, dtype=np.float32), (4, 4)).shape == (4, 4)


@pytest.mark.slow
def test_cam_and_grad_cam_on_the_jax_backend(tmp_path):
    script = TINY_MODEL + textwrap.dedent(
        """
        import json
        from netlib.visualize import Visualizer

        model, conv, dense, image = tiny_gap_model()
        _, logits, cams = by_hand(conv, dense, image)
        view = Visualizer(model)
        cam = view.class_activation_map(image, 2)
        grad = view.class_activation_map(image, 2, method="grad-cam")
        print(json.dumps({
            "backend": keras.backend.backend(),
            "method": cam.method,
            "scores": float(np.abs(cam.scores - logits).max()),
            "cam": float(np.abs(cam.raw - cams[2]).max()),
            "grad_cam": float(np.abs(grad.raw * 30 - np.maximum(cams[2], 0)).max()),
            "non_negative": bool(grad.heatmap.min() >= 0),
        }))
        """
    )
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(REPO), JAX_PLATFORMS="cpu")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "jax" and report["method"] == "cam"
    assert report["scores"] < 1e-4 and report["cam"] < 1e-4 and report["grad_cam"] < 1e-4
    assert report["non_negative"]
