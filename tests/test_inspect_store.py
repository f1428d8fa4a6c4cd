"""Layer tables of registry networks kept on disk (netlib.inspect.store): what the app's
Architectures page and `python main.py summary` read instead of building again."""

import json

import pytest

import netlib
from netlib.inspect.store import (
    config_key,
    stored_summary,
    summarize_config,
    summary_from_dict,
)


def test_a_table_is_stored_then_read_back_equal_to_a_fresh_one(tmp_path):
    assert stored_summary("resnet20", folder=tmp_path) is None
    first = summarize_config("resnet20", folder=tmp_path)
    (entry,) = tmp_path.glob("resnet20-*.json")
    fresh = netlib.summarize(netlib.build("resnet20", classes=10))
    assert first == fresh  # built at the paper's 32x32 input and 10 classes

    again = stored_summary("resnet20", folder=tmp_path)
    assert again == fresh and again is not first  # read from the file: every field equal
    assert again.blocks() == fresh.blocks() and again.to_json() == fresh.to_json()


def test_each_configuration_has_its_own_entry(tmp_path):
    plain = summarize_config("resnet20", folder=tmp_path)
    projected = summarize_config("resnet20", options={"shortcut": "B"}, folder=tmp_path)
    wide = summarize_config("resnet20", classes=100, input_size=40, folder=tmp_path)
    assert len(list(tmp_path.glob("resnet20-*.json"))) == 3
    assert projected.totals.params > plain.totals.params  # B adds projection shortcuts
    assert wide.input_shape == (40, 40, 3) and wide.rows[-1].output_shape == (100,)
    keys = {config_key("resnet20", 32, 10, {"shortcut": "A", "use_bias": False}),
            config_key("resnet20", 32, 10, {"shortcut": "B", "use_bias": False}),
            config_key("resnet20", 40, 10, {"shortcut": "A", "use_bias": False}),
            config_key("resnet20", 32, 100, {"shortcut": "A", "use_bias": False})}
    assert len(keys) == 4


def test_a_damaged_entry_is_rebuilt(tmp_path):
    summary = summarize_config("lenet5", folder=tmp_path)
    (entry,) = tmp_path.glob("lenet5-*.json")
    entry.write_text('{"model": "lenet5", "rows": [')  # cut short
    assert stored_summary("lenet5", folder=tmp_path) is None
    assert summarize_config("lenet5", folder=tmp_path) == summary
    assert summary_from_dict(json.loads(entry.read_text())) == summary  # written again


def test_a_cache_that_cannot_be_written_costs_nothing_but_time(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    summary = summarize_config("lenet5", folder=blocked / "summaries")
    assert summary.totals.params == 61_706
    assert stored_summary("lenet5", folder=blocked / "summaries") is None


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "nin_cifar", "vgg11", "googlenet",
                                  "resnet20", "mobilenet", "mobilenet_v2", "efficientnet_b0"])
def test_a_second_build_names_every_layer_alike(name):
    """A table (and its stored copy) must not depend on how many models the session
    built before: no layer may take Keras' numbered default name (input_layer_3)."""
    size = netlib.model_info(name).minimum_size()
    first, second = (netlib.build(name, input_shape=size, classes=3) for _ in range(2))
    assert [layer.name for layer in first.layers] == [layer.name for layer in second.layers]
