"""The architecture explorer, driven as a user would (offscreen): real registry, real
Keras builds, real netlib.summarize, real widgets. Small networks keep it quick."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

import netlib
from gui_windows import fresh_settings, open_window
from gui.widgets.layer_table import VALUE_ROLE, LayerTableModel

BUILD_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """A fresh window on a temporary settings store, LeNet-5 as the last network used."""
    fresh_settings(monkeypatch, tmp_path / "settings")
    return open_window(qtbot, lambda window: [window.page("architectures").summary_ready],
                       idle=False)


@pytest.fixture
def page(window):
    return window.page("architectures")


def _select(qtbot, page, name):
    with qtbot.waitSignal(page.summary_ready, timeout=BUILD_MS) as ready:
        page.select_model(name)
    return ready.args[0]


def test_selecting_a_model_fills_the_table_and_totals_equal_summarize(qtbot, page):
    result = _select(qtbot, page, "nin_cifar")
    expected = netlib.summarize(netlib.build("nin_cifar", classes=10))
    assert result.config.model == "nin_cifar" and result.config.classes == 10
    assert result.summary.totals == expected.totals

    model = page.table.table_model
    blocks = expected.blocks()
    assert model.rowCount() == len(blocks)
    top_params = [
        model.index(r, LayerTableModel.PARAMS).data(VALUE_ROLE) for r in range(len(blocks))
    ]
    assert top_params == [b.params for b in blocks]
    assert sum(top_params) == expected.totals.params
    # A block opens onto its layers, in order.
    first_block = next(r for r, b in enumerate(blocks) if len(b.rows) > 1)
    parent = model.index(first_block, 0)
    assert [model.index(i, 0, parent).data() for i in range(model.rowCount(parent))] == [
        row.name for row in blocks[first_block].rows
    ]
    # Numbers: right-aligned, thousands separators.
    big = next(r for r, b in enumerate(blocks) if b.params >= 1000)
    cell = model.index(big, LayerTableModel.PARAMS)
    assert cell.data() == f"{blocks[big].params:,}" and "," in cell.data()
    assert cell.data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    # Totals beneath the table.
    assert f"{expected.totals.params:,}</b> total" in page.totals.values["params"].text()
    assert f"{expected.totals.macs:,} multiply-accumulates" in page.totals.values["compute"].text()
    assert "1 MAC = 2 FLOPs" in page.totals.values["compute"].text()
    assert f"depth <b>{expected.totals.depth}</b>" in page.totals.values["field"].text()
    # The published figure for nin_cifar's 10 classes.
    assert page.reference_label.text().startswith(f"{expected.totals.params:,} parameters - ")
    assert "matches" in page.reference_label.text()


def test_changing_an_option_rebuilds(qtbot, page):
    assert page.current.config.model == "lenet5"
    assert page.current.summary.totals.params == 61706
    with qtbot.waitSignal(page.summary_ready, timeout=BUILD_MS) as ready:
        page.options.field("c3_connections").setCurrentText("paper")
    result = ready.args[0]
    assert result.config.option_dict["c3_connections"] == "paper"
    expected = netlib.summarize(netlib.build("lenet5", classes=10, c3_connections="paper"))
    assert result.summary.totals == expected.totals
    assert expected.totals.params == 60806
    assert "60,806 parameters" in page.reference_label.text()
    assert "matches" in page.reference_label.text()

    # A configuration without a published figure says so.
    with qtbot.waitSignal(page.summary_ready, timeout=BUILD_MS):
        page.options.field("classes").setValue(7)
    assert "no published figure" in page.reference_label.text()


def test_a_configuration_seen_before_is_read_from_the_disk_cache(qtbot, page):
    messages = []
    page.status_message.connect(messages.append)
    _select(qtbot, page, "resnet20")
    with qtbot.waitSignal(page.summary_ready, timeout=BUILD_MS) as ready:
        page.options.field("classes").setValue(13)  # a configuration no other test uses
    first = ready.args[0]
    assert not first.cached and "built and tabulated" in messages[-1]
    _select(qtbot, page, "lenet5")
    second = _select(qtbot, page, "resnet20")  # the page remembers the form: 13 classes
    assert second.config == first.config
    assert second.cached and "read from the cache" in messages[-1]
    assert second.summary == first.summary
    assert second.summary.totals == netlib.summarize(netlib.build("resnet20", classes=13)).totals


def test_the_filter_narrows_the_list_as_you_type(qtbot, page):
    page.picker.filter_box.setText("mobile")  # textChanged: as the user types
    shown = page.picker.visible_models()
    assert {"mobilenet", "mobilenet_v2"} <= set(shown)
    assert "resnet50" not in shown and "lenet5" not in shown
    page.picker.filter_box.setText("1998")
    assert page.picker.visible_models() == ["lenet5"]
    page.picker.filter_box.setText("no such network")
    assert page.picker.visible_models() == []
    page.picker.filter_box.clear()
    assert page.picker.visible_models() == [
        name for family in netlib.list_families() for name in netlib.list_models()
        if netlib.model_info(name).family == family
    ]


def test_families_are_in_paper_order_with_year_and_paper(page):
    proxy = page.picker.proxy
    families = [proxy.index(r, 0).data() for r in range(proxy.rowCount())]
    assert families == netlib.list_families()
    lenet = proxy.index(0, 0)
    variant = [proxy.index(0, c, lenet).data() for c in range(3)]
    info = netlib.model_info("lenet5")
    assert variant == ["lenet5", str(info.year), info.paper]


def test_an_input_below_the_minimum_is_refused_in_place(qtbot, page):
    size = page.options.field("input_size")
    minimum = netlib.model_info("lenet5").minimum_size()
    qtbot.waitUntil(page.is_idle, timeout=BUILD_MS)  # the first build has ended
    with qtbot.assertNotEmitted(page.summary_ready, wait=800):
        size.setValue(minimum - 1)
        assert size.property("invalid") is True
        assert f"at least {minimum}×{minimum} pixels" in page.options.error()
        assert page.options.config() is None
        assert page.is_idle()  # nothing is being built
    assert page.current.config.input_size == minimum  # the last good table stays

    with qtbot.waitSignal(page.summary_ready, timeout=BUILD_MS) as ready:
        size.setValue(minimum + 4)
    assert size.property("invalid") is False and page.options.error() == ""
    assert ready.args[0].config.input_size == minimum + 4


def test_a_new_selection_supersedes_the_running_build(qtbot, page):
    delivered = []
    page.summary_ready.connect(lambda result: delivered.append(result.config.model))
    page.select_model("vgg11")  # a second of building
    page.select_model("nin_cifar")  # before it is done
    qtbot.waitUntil(lambda: bool(delivered) and page.is_idle(), timeout=BUILD_MS)
    assert delivered == ["nin_cifar"]
    assert page.current.config.model == "nin_cifar"
    assert page.title_label.text().startswith("nin_cifar")


def test_side_by_side_comparison_of_option_sets(qtbot, page):
    default = _select(qtbot, page, "googlenet")
    assert page.add_to_comparison()
    with qtbot.waitSignal(page.summary_ready, timeout=BUILD_MS) as ready:
        page.options.field("naive").setChecked(True)
    naive = ready.args[0]
    assert page.add_to_comparison()
    assert not page.add_to_comparison()  # the same configuration is listed once

    table = page.comparison.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
        "googlenet",
        "googlenet (naive=True)",
    ]
    columns = {table.horizontalHeaderItem(c).text(): c for c in range(table.columnCount())}
    for row, entry in enumerate((default, naive)):
        totals = entry.summary.totals
        value = table.item(row, columns["Parameters"]).data(Qt.ItemDataRole.UserRole)
        assert value == totals.params
        assert table.item(row, columns["MACs"]).data(Qt.ItemDataRole.UserRole) == totals.macs
        assert table.item(row, columns["Depth"]).text() == str(totals.depth)
        assert table.item(row, columns["Receptive field"]).text() == f"{totals.receptive_field:,}"
    assert default.summary.totals.depth == 22  # the paper: "22 layers deep"
    assert naive.summary.totals.macs > default.summary.totals.macs  # what 1x1 reductions save
    ratio = naive.summary.totals.params / default.summary.totals.params
    assert table.item(1, 3).text() == f"{ratio:.2f}×"


def test_copy_and_export_the_table(qtbot, page, tmp_path):
    from netlib.inspect import render

    summary = page.current.summary
    page.copy_table("markdown")
    assert QApplication.clipboard().text() == render.markdown_text(summary)
    page.copy_table("csv")
    assert QApplication.clipboard().text() == render.csv_text(summary)
    assert page.export_table(tmp_path / "lenet.csv").read_text() == render.csv_text(summary)
    assert page.export_table(tmp_path / "lenet.md").read_text() == render.markdown_text(summary)
    with pytest.raises(ValueError, match=r"\.csv or \.md"):
        page.export_table(tmp_path / "lenet.txt")
    assert not (tmp_path / "lenet.txt").exists()


def test_a_narrow_window_narrows_the_names_so_the_numbers_stay_in_view(qtbot, window, page):
    result = _select(qtbot, page, "resnet50")
    table = page.table
    columns = range(len(LayerTableModel.COLUMNS))
    window.resize(1800, 900)
    qtbot.waitUntil(lambda: table.viewport().width() > 900)
    natural = [table.columnWidth(c) for c in columns]
    assert sum(natural) <= table.viewport().width()  # room for all: nothing cut
    window.resize(1250, 700)
    qtbot.waitUntil(lambda: table.viewport().width() < sum(natural))
    narrowed = [table.columnWidth(c) for c in columns]
    assert sum(narrowed) <= table.viewport().width()
    assert narrowed[2:] == natural[2:]  # shapes and numbers keep their widths
    assert narrowed[0] < natural[0] and narrowed[0] >= table.MIN_NAME_WIDTH
    assert result.summary.totals.receptive_field == 483


def test_the_published_count_line_reads_as_one_sentence():
    # A source written as a sentence ("... output 850.") gets no second full stop.
    from netlib import registry
    from netlib.inspect import summarize
    from gui.tasks.layers import ModelConfig, check_reference, describe_check

    info = registry.model_info("lenet5")
    config = ModelConfig.create("lenet5", 32, 10, {})
    totals = summarize(registry.build("lenet5", classes=10)).totals
    text = describe_check(check_reference(info, config, totals))
    assert text.endswith("61,706, matches.") and ".:" not in text
