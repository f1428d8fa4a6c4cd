"""Augmentation layers: what they do in training, that they do nothing at inference, that
they are seeded and serializable, and the spec that builds them."""

import json

import keras
import numpy as np
import pytest

from netlib.augment import (
    AUGMENTATIONS,
    PCAColorJitter,
    RandomCropFlip,
    build_augmentation,
    pca_basis,
    ten_crop_predict,
)


def numbered(batch=8, height=10, width=12):
    """Images whose pixel values name their position: (y * width + x), three channels."""
    grid = np.arange(height * width, dtype=np.float32).reshape(height, width)
    return np.broadcast_to(grid[None, :, :, None], (batch, height, width, 3)).copy()


def windows(image, height, width):
    """Every height x width window of `image` and its mirror image, with (top, left, mirrored)."""
    found = {}
    for top in range(image.shape[0] - height + 1):
        for left in range(image.shape[1] - width + 1):
            window = image[top : top + height, left : left + width]
            found[window.tobytes()] = (top, left, False)
            found[window[:, ::-1].tobytes()] = (top, left, True)
    return found


def test_crop_flip_takes_a_random_window_per_image_mirrored_half_the_time():
    images = numbered(batch=64)
    layer = RandomCropFlip(6, 8, seed=1)
    out = keras.ops.convert_to_numpy(layer(images, training=True))
    assert out.shape == (64, 6, 8, 3) and out.dtype == np.float32
    allowed = windows(images[0], 6, 8)
    placements = [allowed[np.ascontiguousarray(o).tobytes()] for o in out]  # KeyError: not a window
    assert len({(t, l) for t, l, _ in placements}) > 8  # windows differ between images
    mirrored = sum(m for _, _, m in placements)
    assert 16 < mirrored < 48  # about half


def test_crop_flip_at_inference_is_the_centre_window():
    images = numbered(batch=2)
    out = keras.ops.convert_to_numpy(RandomCropFlip(6, 8)(images))  # training defaults to False
    np.testing.assert_array_equal(out, images[:, 2:8, 2:10])
    half = keras.ops.convert_to_numpy(RandomCropFlip(0.5)(images))  # a fraction of the input
    np.testing.assert_array_equal(half, images[:, 2:7, 3:9])


def test_crop_flip_refuses_a_crop_larger_than_the_image():
    with pytest.raises(ValueError, match="11x8 windows from images of 10x12"):
        RandomCropFlip(11, 8)(numbered())
    with pytest.raises(ValueError, match="height"):
        RandomCropFlip(0)


def test_random_layers_are_seeded():
    images = numbered(batch=16)
    first = keras.ops.convert_to_numpy(RandomCropFlip(6, seed=3)(images, training=True))
    again = keras.ops.convert_to_numpy(RandomCropFlip(6, seed=3)(images, training=True))
    other = keras.ops.convert_to_numpy(RandomCropFlip(6, seed=4)(images, training=True))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_pca_basis_recovers_a_known_covariance():
    rng = np.random.default_rng(0)
    axes = np.linalg.qr(rng.normal(size=(3, 3)))[0]  # orthonormal columns
    spread = np.array([40.0, 15.0, 3.0])  # standard deviations along them
    pixels = 128 + (rng.normal(size=(200_000, 3)) * spread) @ axes.T
    images = pixels.reshape(50, 40, 100, 3)
    eigenvalues, eigenvectors = pca_basis(images)
    np.testing.assert_allclose(eigenvalues, spread**2, rtol=0.03)
    np.testing.assert_allclose(np.abs(eigenvectors.T @ axes), np.eye(3), atol=0.01)  # up to sign
    sampled, _ = pca_basis(images, max_pixels=20_000, seed=1)  # a random subset suffices
    np.testing.assert_allclose(sampled, eigenvalues, rtol=0.05)
    # Only the rows asked for count: half the images made grey (no colour variance).
    images[::2] = images[::2].mean(axis=-1, keepdims=True)
    colourful, _ = pca_basis(images, indices=np.arange(1, 50, 2), max_pixels=20_000)
    np.testing.assert_allclose(colourful, spread**2, rtol=0.06)
    grey, _ = pca_basis(images, indices=np.arange(0, 50, 2))
    assert grey[1] < 1e-6 * grey[0]  # grey pixels vary along one direction only
    with pytest.raises(ValueError, match="RGB"):
        pca_basis(np.zeros((2, 4, 4, 1)))
    with pytest.raises(ValueError, match="indices=rows"):
        pca_basis(list(images[:2]))


def test_pca_jitter_adds_one_colour_per_image_along_the_principal_components():
    eigenvalues = np.array([400.0, 25.0, 0.0])  # no variance along the third component
    eigenvectors = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))[0]
    layer = PCAColorJitter(eigenvalues, eigenvectors, stddev=0.1, seed=0)
    images = np.random.default_rng(2).integers(0, 256, (2000, 4, 4, 3)).astype(np.uint8)
    out = keras.ops.convert_to_numpy(layer(images, training=True))
    shift = out - images
    np.testing.assert_allclose(shift, np.broadcast_to(shift[:, :1, :1], shift.shape), atol=1e-3)
    alpha_scaled = shift[:, 0, 0] @ eigenvectors  # alpha_i * sqrt(lambda_i), per image
    np.testing.assert_allclose(alpha_scaled[:, 2], 0, atol=1e-3)
    alpha = alpha_scaled[:, :2] / np.sqrt(eigenvalues[:2])
    np.testing.assert_allclose(alpha.std(0), 0.1, rtol=0.1)  # alpha ~ N(0, 0.1)
    np.testing.assert_allclose(alpha.mean(0), 0, atol=0.01)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(images)), images)  # inference
    with pytest.raises(ValueError, match="3 channels"):
        PCAColorJitter(eigenvalues, eigenvectors)(np.zeros((1, 4, 4, 1)), training=True)


def test_build_augmentation_from_a_list_or_a_dict_spec():
    pca = pca_basis(np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3)))
    spec = [
        "flip",
        {"name": "rotation", "factor": 0.05},
        {"name": "crop_flip", "height": 12, "width": 10},
        "pca_color",
    ]
    model = build_augmentation(json.loads(json.dumps(spec)), seed=7, pca=pca)  # survives JSON
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["RandomFlip", "RandomRotation", "RandomCropFlip", "PCAColorJitter"]
    assert model.layers[1].factor == (-0.05, 0.05) and model.layers[2].width == 10
    assert [layer.seed for layer in model.layers] == [7, 8, 9, 10]
    as_dict = build_augmentation({"crop_flip": 12, "zoom": {"height_factor": 0.2}, "contrast": False, "brightness": True})
    assert [type(layer).__name__ for layer in as_dict.layers] == ["RandomCropFlip", "RandomZoom", "RandomBrightness"]
    images = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 3)).astype(np.uint8)
    assert tuple(model(images, training=True).shape) == (3, 12, 10, 3)
    identity = build_augmentation([])
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(identity(images)), images)


def test_at_inference_only_the_centre_crop_remains():
    images = np.random.default_rng(0).integers(0, 256, (2, 16, 16, 3)).astype(np.uint8)
    everything = {name: True for name in AUGMENTATIONS if name != "pca_color"}
    model = build_augmentation({**everything, "crop_flip": 12})
    out = keras.ops.convert_to_numpy(model(images, training=False))
    np.testing.assert_array_equal(out, images[:, 2:14, 2:14])


def test_spec_errors_name_the_valid_choices():
    with pytest.raises(ValueError, match="Unknown augmentation 'blur'.*crop_flip, pca_color, flip, rotation"):
        build_augmentation(["blur"])
    with pytest.raises(ValueError, match="Unknown parameter 'angle' for augmentation 'rotation'.*factor"):
        build_augmentation({"rotation": {"angle": 10}})
    with pytest.raises(ValueError, match="pca=pca_basis"):
        build_augmentation(["pca_color"])
    with pytest.raises(ValueError, match="list or a dict"):
        build_augmentation(42)


def test_a_model_with_augmentation_saves_and_loads_safely(tmp_path):
    pca = pca_basis(np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3)))
    inputs = keras.Input((16, 16, 3), dtype="uint8")
    x = build_augmentation({"crop_flip": 12, "pca_color": 0.1, "rotation": 0.1, "contrast": 0.2}, pca=pca)(inputs)
    x = keras.layers.Rescaling(1 / 255)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    images = np.random.default_rng(1).integers(0, 256, (4, 16, 16, 3)).astype(np.uint8)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), rtol=1e-6)
    jitter = loaded.get_layer("augmentation").layers[1]
    assert isinstance(jitter, PCAColorJitter)
    np.testing.assert_allclose(jitter.eigenvalues, pca[0])


def test_ten_crop_predict_averages_corners_centre_and_mirrors():
    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).random((3, 8, 9, 1), dtype=np.float32)  # small: softmax unsaturated
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(4, activation="softmax")])
    crops = []
    for top, left in ((0, 0), (0, 3), (2, 0), (2, 3), (1, 1)):  # corners, then the centre
        crop = images[:, top : top + 6, left : left + 6]
        crops += [crop, np.flip(crop, axis=2)]
    expected = np.mean([keras.ops.convert_to_numpy(model(c)) for c in crops], axis=0)
    result = ten_crop_predict(model, images, 6, batch_size=2)  # two batches: 2 images, then 1
    assert result.shape == (3, 4)
    np.testing.assert_allclose(result, expected, rtol=1e-5)
    np.testing.assert_allclose(result.sum(1), 1, rtol=1e-5)
    centre_only = keras.ops.convert_to_numpy(model(images[:, 1:7, 1:7]))
    assert not np.allclose(result, centre_only)  # the other nine crops count
    with pytest.raises(ValueError, match="at least 9x9"):
        ten_crop_predict(model, images, 9)
