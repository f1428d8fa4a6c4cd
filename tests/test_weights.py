"""Pretrained weights, offline: keras.applications' files loaded exactly, misfits refused,
downloads from a local server into Keras' cache (progress, cancel, hash), and what the
app and the command line say without a network.

Every weights file here is written by the test from a keras.applications model with random
weights, in the layout keras.applications downloads (tests/weights_files.py).
"""

import hashlib
import json
import shutil
import time

import keras
import numpy as np
import pytest

import netlib
from netlib import registry, weights
from netlib.cancel import Cancelled
from netlib.layers import ImagenetPreprocessing
from netlib.runs import TEMPORARY_MARK
from tests.weights_files import (
    closed_port_url,
    publish,
    randomize,
    save_legacy,
    serve,
    silent_server,
    weights_of,
)

pytestmark = pytest.mark.usefixtures("free_models")

apps = keras.applications


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    """Keras' cache folder in the test's own folder."""
    home = tmp_path / "keras-home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _pixels(size, seed=1):
    return np.random.default_rng(seed).uniform(0, 255, (2, size, size, 3)).astype("float32")


# keras.applications builder, its arguments, netlib's, input size, include_top,
# keras.applications' preprocess_input (None: inside the network).
EQUIVALENT = {
    # A non-default alpha at a non-default size, with the classifier.
    "mobilenet_v2": (apps.MobileNetV2, dict(alpha=0.35), dict(alpha=0.35), 96, True,
                     apps.mobilenet_v2.preprocess_input),
    # keras.applications' classifier is a 1x1 convolution, netlib's the paper's dense layer.
    "mobilenet": (apps.MobileNet, dict(alpha=0.25), dict(alpha=0.25), 128, True,
                  apps.mobilenet.preprocess_input),
    # Feature extractors at a size of their own.
    "resnet50": (apps.ResNet50, {}, dict(use_bias=True), 40, False, apps.resnet.preprocess_input),
    "vgg16": (apps.VGG16, {}, {}, 48, False, apps.vgg16.preprocess_input),
    "efficientnet_b0": (apps.EfficientNetB0, {}, {}, 48, False, None),
}


@pytest.fixture(scope="module")
def counterparts(tmp_path_factory):
    """keras.applications' model of each EQUIVALENT entry with random weights, and its
    weights file in the downloaded layout: made once, on first use."""
    made = {}
    folder = tmp_path_factory.mktemp("counterparts")

    def counterpart(name):
        if name not in made:
            builder, app_options, _, size, top, _ = EQUIVALENT[name]
            extra = dict(classifier_activation=None) if top else {}
            model = randomize(builder(weights=None, input_shape=(size, size, 3),
                                      include_top=top, **app_options, **extra))
            made[name] = model, save_legacy(model, folder / f"{name}.h5")
        return made[name]

    return counterpart


@pytest.mark.parametrize("name", EQUIVALENT)
def test_a_weights_file_gives_keras_applications_outputs(name, counterparts):
    """The file holds exactly the counterpart's weights (Keras' own writer), so netlib's
    network loaded from it must compute what the counterpart computes."""
    _, _, options, size, top, preprocess = EQUIVALENT[name]
    extra = dict(classifier_activation=None) if top else {}
    counterpart, path = counterparts(name)
    ours = netlib.build(name, input_shape=size, include_top=top, weights=path, **options, **extra)
    x = _pixels(size)
    inputs = preprocess(x.copy()) if preprocess else x
    np.testing.assert_allclose(ours(inputs), counterpart(inputs), atol=1e-4, rtol=1e-4)
    if preprocess is not None:  # the same convention inside a ConvLab model
        mode = "caffe" if name in ("resnet50", "vgg16") else "tf"
        np.testing.assert_allclose(ImagenetPreprocessing(mode)(x), inputs, atol=1e-3)


def test_keras_applications_loads_the_test_files_as_its_own(counterparts):
    counterpart, path = counterparts("mobilenet")
    reloaded = apps.MobileNet(weights=str(path), alpha=0.25, input_shape=(128, 128, 3),
                              classifier_activation=None)
    x = _pixels(128)
    np.testing.assert_array_equal(reloaded(x), counterpart(x))


def test_imagenet_efficientnet_has_keras_applications_correcting_rescaling(tmp_path, monkeypatch,
                                                                            keras_home):
    """keras.applications adds a rescaling by 1/sqrt(std) after the normalisation only with
    weights="imagenet"; so does netlib. The same as the file's variance times std."""
    size = 32
    counterpart = randomize(apps.EfficientNetB0(weights=None, input_shape=(size, size, 3),
                                                include_top=False))
    file = registry.model_info("efficientnet_b0").pretrained.file_for({}, False, size)
    (keras_home / "models").mkdir(parents=True)
    path = save_legacy(counterpart, keras_home / "models" / file.name)
    publish(monkeypatch, "efficientnet_b0", closed_port_url() + "/",
            weights.file_hash(path, "md5"), include_top=False)
    ours = netlib.build("efficientnet_b0", input_shape=size, include_top=False, weights="imagenet")
    assert ours.get_layer("stddev_correction") is not None
    normalization = counterpart.get_layer("normalization")
    normalization.adapt_variance.assign(
        normalization.adapt_variance.numpy() * np.array([0.229, 0.224, 0.225], np.float32))
    normalization.finalize_state()
    x = _pixels(size)
    np.testing.assert_allclose(ours(x), counterpart(x), atol=1e-4, rtol=1e-4)
    plain = netlib.build("efficientnet_b0", input_shape=size, include_top=False, weights=path)
    assert "stddev_correction" not in [layer.name for layer in plain.layers]


def test_imagenet_from_keras_cache_serves_both_tools(tmp_path, keras_home):
    """A MobileNetV2 file in Keras' cache under keras.applications' name is used as it is
    (keras.applications checks no hash for the MobileNets), with no download."""
    counterpart = randomize(apps.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3),
                                             classifier_activation=None))
    (keras_home / "models").mkdir(parents=True)
    save_legacy(counterpart, keras_home / "models" /
                "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5")
    ours = netlib.build("mobilenet_v2", alpha=0.35, input_shape=96, weights="imagenet",
                        classifier_activation=None)
    x = apps.mobilenet_v2.preprocess_input(_pixels(96))
    np.testing.assert_allclose(ours(x), counterpart(x), atol=1e-4)
    with pytest.raises(ValueError, match="1000 classes"):
        netlib.build("mobilenet_v2", alpha=0.35, input_shape=96, weights="imagenet", classes=3)


def test_a_file_that_does_not_fit_is_refused_naming_the_layer_and_nothing_is_loaded(
    tmp_path, counterparts
):
    other_alpha = randomize(apps.MobileNetV2(weights=None, alpha=0.5, input_shape=(96, 96, 3)))
    path = save_legacy(other_alpha, tmp_path / "alpha-0.5.h5")
    model = netlib.build("mobilenet_v2", alpha=0.35, input_shape=96)
    before = weights_of(model)
    with pytest.raises(weights.WeightsMismatch,
                       match=r"layer block_1_project .* \(1, 1, 48, 16\) in the file and "
                       r"\(1, 1, 48, 8\) here"):
        weights.load_weights(model, path)
    after = weights_of(model)
    assert all(np.array_equal(a, b) for name in before for a, b in zip(before[name], after[name]))
    with pytest.raises(ValueError, match=r"layer conv1 .*kernel is \(3, 3, 3, 16\) in the file"):
        netlib.build("mobilenet", alpha=0.25, input_shape=96, weights=path)
    with pytest.raises(ValueError, match="105 layers with weights, the network 104"):
        netlib.build("mobilenet_v2", alpha=0.5, input_shape=96, include_top=False, weights=path)
    # ResNet's weights carry biases: the message says which option.
    _, resnet = counterparts("resnet50")
    with pytest.raises(ValueError, match="use_bias=True"):
        netlib.build("resnet50", input_shape=40, include_top=False, weights=resnet)


def test_keras_3_weights_and_keras_models_load_by_name(tmp_path):
    source = randomize(netlib.build("lenet5"), seed=4)
    source.save_weights(tmp_path / "lenet5.weights.h5")
    source.save(tmp_path / "lenet5.keras")
    x = np.random.default_rng(2).normal(size=(2, 32, 32, 1)).astype("float32")
    for path in (tmp_path / "lenet5.weights.h5", tmp_path / "lenet5.keras"):
        loaded = netlib.build("lenet5", weights=path)
        np.testing.assert_allclose(loaded(x), source(x), atol=1e-5)
    with pytest.raises(ValueError, match=r"does not fit lenet5: layer predictions .* \(84, 1000\) in the file"):
        netlib.build("lenet5", classes=3, weights=tmp_path / "lenet5.keras")


def test_networks_without_published_weights_say_so():
    for name in ("lenet5", "alexnet", "nin", "googlenet", "vgg11", "vgg13", "resnet18",
                 "resnet34", "resnet20", "plain34"):
        info = netlib.model_info(name)
        assert info.pretrained is None and "No published ImageNet weights" in info.weights_note
        with pytest.raises(ValueError, match="no published ImageNet weights"):
            netlib.build(name, weights="imagenet")
    assert "caffe" in netlib.model_info("vgg19").weights_note
    with pytest.raises(ValueError, match="need use_bias=True"):
        netlib.build("resnet50", weights="imagenet", use_bias=False)
    with pytest.raises(ValueError, match="publishes no ImageNet weights for depth_multiplier=2"
                       "|need depth_multiplier=1"):
        netlib.build("mobilenet", weights="imagenet", depth_multiplier=2)


# ----------------------------------------------------------------------------- downloads


@pytest.fixture
def served(tmp_path):
    """A folder served on 127.0.0.1, and its URL."""
    folder = tmp_path / "served"
    folder.mkdir()
    with serve(folder) as url:
        yield folder, url


def _published_file(served, data=b"weights " * 50_000):
    folder, url = served
    (folder / "w.h5").write_bytes(data)
    return registry.PublishedFile("w.h5", url + "w.h5", hashlib.sha256(data).hexdigest()), data


def test_a_download_reports_progress_checks_the_hash_and_lands_in_keras_cache(served, keras_home):
    file, data = _published_file(served)
    seen = []
    path = weights.fetch(file, progress=lambda done, total: seen.append((done, total)))
    assert path == keras_home / "models" / "w.h5" and path.read_bytes() == data
    assert seen[-1] == (len(data), len(data))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert weights.fetch(file, progress=seen.append) == path and len(seen[-1]) == 2  # cached
    path.write_bytes(b"damaged")  # a file whose hash does not match is fetched again, as Keras does
    assert weights.fetch(file).read_bytes() == data
    wrong = registry.PublishedFile("bad.h5", served[1] + "w.h5", "0" * 64)
    with pytest.raises(weights.DownloadError, match="hash"):
        weights.fetch(wrong)
    assert not (keras_home / "models" / "bad.h5").exists()
    assert not list((keras_home / "models").glob(f"*{TEMPORARY_MARK}*"))


def test_a_cancelled_download_leaves_nothing(served, keras_home):
    file, _ = _published_file(served, b"x" * (3 << 20))
    calls = []
    with pytest.raises(Cancelled):
        weights.fetch(file, cancel=lambda: len(calls) > 0,
                      progress=lambda done, total: calls.append(done))
    assert calls and weights.cached(file) is None
    assert list((keras_home / "models").iterdir()) == []


def test_offline_fails_within_seconds_naming_the_file_the_url_and_the_folder(monkeypatch, keras_home):
    publish(monkeypatch, "mobilenet_v2", closed_port_url() + "/")
    began = time.perf_counter()
    with pytest.raises(weights.DownloadError) as refused:
        netlib.build("mobilenet_v2", alpha=0.35, input_shape=96, weights="imagenet")
    assert time.perf_counter() - began < 5
    message = str(refused.value)
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5" in message
    assert "http://127.0.0.1" in message and str(keras_home / "models") in message
    with silent_server() as url:  # a server that never answers: the timeout, not a hang
        began = time.perf_counter()
        with pytest.raises(weights.DownloadError, match="put it in"):
            weights.fetch(registry.PublishedFile("never.h5", url), timeout=0.5)
        assert time.perf_counter() - began < 5


# ------------------------------------------------------------------ ImageNet out of the box


def _class_index(folder, monkeypatch, url):
    """A stand-in for Keras' ImageNet class index, served from `folder` at `url`."""
    from netlib.weights import imagenet

    names = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    (folder / "index.json").write_text(json.dumps(names))
    published = registry.PublishedFile(imagenet.CLASS_INDEX.name, url + "index.json",
                                       weights.file_hash(folder / "index.json", "md5"))
    monkeypatch.setattr(imagenet, "CLASS_INDEX", published)


def test_imagenet_prediction_out_of_the_box(tmp_path, monkeypatch, keras_home, served,
                                            counterparts, capsys):
    from netlib.cli import main
    from netlib.predict import load_model
    from netlib.weights import imagenet

    counterpart, path = counterparts("mobilenet_v2")  # alpha 0.35 at 96, with its classifier
    (keras_home / "models").mkdir(parents=True)
    shutil.copy(path, keras_home / "models" /
                "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96.h5")
    _class_index(served[0], monkeypatch, served[1])
    [cached] = imagenet.cached_models()
    assert cached.label == "ImageNet: mobilenet_v2 (alpha=0.35, 96 px)"
    loaded = load_model(cached.key)
    assert loaded.classes[:2] == ["class_0", "class_1"] and loaded.input_size == (96, 96)
    x = _pixels(96).round()
    logits = counterpart(apps.mobilenet_v2.preprocess_input(x.copy()))
    np.testing.assert_allclose(loaded.model(x.astype("uint8")), keras.ops.softmax(logits),
                               atol=1e-5)
    image = tmp_path / "photo.png"
    from PIL import Image

    Image.fromarray(x[0].astype("uint8")).save(image)
    best = int(np.argmax(logits[0]))
    assert main(["predict", cached.key, str(image), "--top", "3"]) == 0
    assert f"class_{best}" in capsys.readouterr().out
    assert main(["list", "mobilenet", "--no-counts"]) == 0
    listing = capsys.readouterr().out
    assert any(line.startswith("mobilenet_v2 ") and "cached" in line for line in listing.splitlines())


def test_imagenet_class_names_offline_say_what_to_download(monkeypatch, keras_home):
    from netlib.weights import imagenet

    monkeypatch.setattr(imagenet, "CLASS_INDEX", registry.PublishedFile(
        "imagenet_class_index.json", closed_port_url(), "0" * 32))
    with pytest.raises(weights.DownloadError, match="imagenet_class_index.json") as refused:
        imagenet.class_names()
    assert str(keras_home / "models") in str(refused.value)
