"""`python main.py list` and `python main.py summary`, run in-process through the CLI's own
entry point (`netlib.cli.main`), with what they print read back."""

import dataclasses
import json

import keras
import pytest

import netlib
from netlib.cli import main
from netlib.cli.models import counts_file


pytestmark = pytest.mark.usefixtures("free_models")


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- summary


def test_summary_json_totals_equal_summarize(capsys):
    code, out, _ = _run(capsys, "summary", "resnet50", "--format", "json")
    assert code == 0
    data = json.loads(out)
    expected = netlib.summarize(netlib.build("resnet50"))
    assert data["totals"] == dataclasses.asdict(expected.totals)
    assert [r["name"] for r in data["rows"]] == [r.name for r in expected.rows]
    first_conv = next(r for r in data["rows"] if r["name"] == "conv1_conv")
    for key in ("name", "type", "block", "output_shape", "params", "trainable_params",
                "macs", "receptive_field", "jump", "inbound", "kernel_size"):
        assert key in first_conv
    assert first_conv["output_shape"] == [112, 112, 64] and first_conv["block"] == "conv1"


def test_summary_table_of_resnet50_checks_the_reference(capsys):
    """The table a student checks against Table 1 of the paper: stage by stage shapes, the
    totals, and the published counts compared."""
    code, out, _ = _run(capsys, "summary", "resnet50")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert any(line.startswith("conv2_block3_3_conv ") and "56x56x256" in line for line in lines)
    assert any(line.startswith("conv5_block3_out ") and "7x7x2048" in line for line in lines)
    assert "FLOPs = 2 x MACs" in out
    assert ("  params 25,557,032 trainable; torchvision resnet50 (trainable parameters): "
            "25,557,032 - matches\n") in out
    assert "  MACs 3.858 G; He et al. 2015" in out and "within 3%" in out


def test_summary_blocks_markdown_csv_and_options(capsys):
    code, out, _ = _run(capsys, "summary", "resnet20", "--blocks", "--format", "markdown")
    assert code == 0
    assert "| conv2_block1 |" in out and "conv2_block1_1_conv" not in out
    code, out, _ = _run(capsys, "summary", "resnet20", "--format", "csv", "--set", "shortcut=B")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.startswith("name,type,block,inbound")
    expected = netlib.summarize(netlib.build("resnet20", shortcut="B"))
    assert len(rows) == len(expected.rows)
    assert any("conv3_block1_0_conv" in row for row in rows)  # option B: a projection


def test_summary_bad_option_value_names_the_choices(capsys):
    code, out, err = _run(capsys, "summary", "resnet50", "--set", "shortcut=D")
    assert code == 2 and out == ""
    assert "'A', 'B', 'C'" in err and "shortcut='D'" in err
    code, _, err = _run(capsys, "summary", "resnet50", "--set", "shortcuts=B")
    assert code == 2 and "options are: shortcut" in err
    code, _, err = _run(capsys, "summary", "resnet50", "--set", "shortcut")
    assert code == 2 and "KEY=VALUE" in err and "shortcut" in err


def test_summary_bad_name_and_size_are_refused(capsys):
    code, _, err = _run(capsys, "summary", "resnet05")
    assert code == 2 and "Unknown model 'resnet05'" in err
    code, _, err = _run(capsys, "summary", "lenet5", "--input-size", "8")
    assert code == 2 and "at least 32x32" in err


def test_summary_without_a_matching_reference_says_so(capsys):
    code, out, _ = _run(capsys, "summary", "lenet5", "--classes", "7")
    assert code == 0 and "Published counts: none for this configuration" in out
    code, out, _ = _run(capsys, "summary", "lenet5")  # the paper's 10 classes by default
    assert "  params 61,706 total; " in out and "- matches" in out
    assert any(line.startswith("predictions ") and " 10 " in line for line in out.splitlines())
    code, out, _ = _run(capsys, "summary", "lenet5", "--classes", "1000")
    assert "  params 145,856 total" not in out and "145,856" in out


def test_rich_table_fits_a_100_column_terminal(capsys, monkeypatch):
    """The layout used when stdout is a terminal, rendered by rich at 100 columns."""
    from netlib.cli.models import _print_rich

    monkeypatch.setenv("COLUMNS", "100")
    x = keras.Input((32, 32, 3))
    long_name = "a_rather_long_layer_name_conv"
    y = keras.layers.Conv2D(8, 3, strides=2, padding="same", name=long_name)(x)
    y = keras.layers.Add(name="merge")([y, keras.layers.Conv2D(8, 1, strides=2, name="proj")(x)])
    summary = netlib.summarize(keras.Model(x, y, name="tiny"))
    _print_rich(summary, blocks=False, extra=["Check: none"])
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "a_rather_long_layer_name_conv" in out and "FLOPs = 2 x MACs" in out
    assert "merge [1]" in out and "[1] paths misaligned by 1 px" in out


# -------------------------------------------------------------------------------- list


def test_list_names_every_model(capsys):
    code, out, _ = _run(capsys, "list", "--no-counts")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()[2:] if line and not line.startswith("-")]
    assert listed == netlib.list_models()
    for name in listed:
        info = netlib.model_info(name)
        assert f"{info.family}" in out and str(info.year) in out


def test_list_counts_are_summarize_totals_and_are_cached(capsys):
    counts_file().unlink(missing_ok=True)
    code, out, err = _run(capsys, "list", "resnet2*", "--format", "json")
    assert code == 0 and "counting resnet20" in err
    (entry,) = json.loads(out)
    # Counted at the paper's 10 CIFAR classes: the paper's 0.27M parameters.
    totals = netlib.summarize(netlib.build("resnet20", classes=10)).totals
    assert (entry["params"], entry["trainable_params"], entry["macs"]) == (
        totals.params, totals.trainable_params, totals.macs)
    assert entry["trainable_params"] == 269_722

    code, again, err = _run(capsys, "list", "resnet2*", "--format", "json")
    assert code == 0 and err == "" and again == out  # from the cache: nothing rebuilt

    code, table, _ = _run(capsys, "list", "resnet2*")
    assert f"{totals.params:,}" in table and "FLOPs = 2 x MACs" in table


def test_list_recounts_a_stale_or_damaged_cache(capsys):
    path = counts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 2, "models": {
        "resnet20": {"key": "from an older builder", "params": 1, "trainable_params": 1,
                     "macs": 1}}}))
    code, out, err = _run(capsys, "list", "resnet2*", "--format", "json")
    assert code == 0 and "counting resnet20" in err
    assert json.loads(out)[0]["params"] > 1
    path.write_text("{not json")
    code, out, err = _run(capsys, "list", "resnet2*", "--format", "json")
    assert code == 0 and "counting resnet20" in err and json.loads(out)[0]["params"] > 1


def test_list_filter_without_a_match_names_the_models(capsys):
    code, out, err = _run(capsys, "list", "transformer")
    assert code == 2 and out == ""
    assert "No model matches 'transformer'" in err
    assert all(name in err for name in netlib.list_models())
