"""The layer table: a tree of the paper's blocks with their layers, and the totals beneath.

A QAbstractItemModel over netlib.inspect's Summary, measured against a QTreeWidget with
the same content (strings, bars, tooltips, column widths) on the 2-core CPU machine,
median of 7: filling and showing the whole table expanded takes 64 ms (resnet152, 517
layers) and 79 ms (efficientnet_b7, 814 layers) with this model, 88 and 117 ms with
QTreeWidgetItems; a scroll step repaints in 40 ms against 23-28 ms, since the view asks
Python for each visible cell's roles. Both are quick; the model keeps one copy of the
data and builds tooltips only when asked.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from netlib import formatting

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root, as a default argument

# Where a block row's children are: block rows have internal id 0, a layer row has the
# id (its block's row + 1), so parent() needs no Python object behind the index.
_TOP = 0

#: The fraction (0..1) of the largest block's value, for the bar delegate.
FRACTION_ROLE = Qt.ItemDataRole.UserRole + 1
#: The raw number behind a numeric cell (tests compare it with the Summary).
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclasses.dataclass(frozen=True, slots=True)
class _Line:
    """One line of the table, prepared once: what data() hands out, without work."""

    item: Any  # a Block, or a Row
    is_block: bool
    top: bool  # a top-level line (a block, or a one-layer block shown as its layer)
    texts: tuple[str, ...]
    fractions: tuple[float, float]  # parameters and MACs, as shares of the largest block


class LayerTableModel(QAbstractItemModel):
    """Blocks at the top level, their layers beneath; columns as in COLUMNS.

    Every string and bar length is computed once, in set_summary: the view asks data()
    a dozen roles for each visible cell on every repaint, and each question crosses from
    C++ into Python, so each answer must be a lookup.
    """

    COLUMNS = ("Layer", "Type", "Output shape", "Parameters", "MACs", "Receptive field")
    PARAMS, MACS, RECEPTIVE_FIELD = 3, 4, 5
    NUMERIC = (PARAMS, MACS, RECEPTIVE_FIELD)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._blocks: list = []
        # _lines[b][0] is block b's top-level line, _lines[b][1 + i] its i-th layer's.
        self._lines: list[list[_Line]] = []
        self._bold = QFont()
        self._bold.setBold(True)
        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._alignment = [right if c in self.NUMERIC else None for c in range(len(self.COLUMNS))]
        self._roles = {
            Qt.ItemDataRole.DisplayRole: lambda line, column: line.texts[column],
            Qt.ItemDataRole.TextAlignmentRole: lambda line, column: self._alignment[column],
            Qt.ItemDataRole.FontRole: self._font,
            Qt.ItemDataRole.ToolTipRole: lambda line, column: _tip(line),
            FRACTION_ROLE: _fraction,
            VALUE_ROLE: lambda line, column: _value(line.item, column),
        }

    def set_summary(self, summary) -> None:
        """Show `summary` (netlib.inspect.Summary); None empties the table."""
        self.beginResetModel()
        self._blocks = list(summary.blocks()) if summary is not None else []
        largest = (
            max((b.params for b in self._blocks), default=0),
            max((b.macs for b in self._blocks), default=0),
        )
        self._lines = [self._block_lines(block, largest) for block in self._blocks]
        self.endResetModel()

    def blocks(self) -> list:
        return self._blocks

    def texts(self):
        """Every display string, line by line (for measuring column widths)."""
        for lines in self._lines:
            for line in lines:
                yield line.texts

    def _block_lines(self, block, largest: tuple[int, int]) -> list[_Line]:
        def line(item, is_block: bool, top: bool) -> _Line:
            texts = tuple(_text(item, is_block, c) for c in range(len(self.COLUMNS)))
            fractions = tuple(
                value / most if most else 0.0
                for value, most in ((item.params, largest[0]), (item.macs, largest[1]))
            )
            return _Line(item, is_block, top, texts, fractions)

        if len(block.rows) == 1:
            # A block of one layer (the input, a lone pooling layer) is shown as that
            # layer: a branch that opens onto a copy of itself is clutter.
            return [line(block.rows[0], False, True)]
        return [line(block, True, True), *(line(row, False, False) for row in block.rows)]

    # -- the tree ----------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        # Bounds checked here rather than with hasIndex(), which calls back into
        # rowCount() and columnCount(): expanding 800 layers asks for every index.
        if not 0 <= column < len(self.COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP) if row < len(self._lines) else QModelIndex()
        if parent.internalId() != _TOP or row >= len(self._lines[parent.row()]) - 1:
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _TOP)

    def rowCount(self, parent: Index = _ROOT) -> int:
        if not parent.isValid():
            return len(self._lines)
        if parent.internalId() == _TOP and parent.column() == 0:
            return len(self._lines[parent.row()]) - 1
        return 0

    def columnCount(self, parent: Index = _ROOT) -> int:
        return len(self.COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignment[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(section)
        return None

    def line(self, index: Index) -> _Line:
        block = index.internalId()
        if block == _TOP:
            return self._lines[index.row()][0]
        return self._lines[block - 1][index.row() + 1]

    def item(self, index: Index) -> tuple[Any, bool]:
        """(block or row, is_block) behind an index; a one-layer block gives its row."""
        line = self.line(index)
        return line.item, line.is_block

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        answer = self._roles.get(role)
        if answer is None or not index.isValid():
            return None
        return answer(self.line(index), index.column())

    def _font(self, line: _Line, column: int):
        return self._bold if line.top and column == 0 else None


def _fraction(line: _Line, column: int) -> float | None:
    if column == LayerTableModel.PARAMS:
        return line.fractions[0]
    if column == LayerTableModel.MACS:
        return line.fractions[1]
    return None


def _value(item, column: int):
    if column == LayerTableModel.PARAMS:
        return item.params
    if column == LayerTableModel.MACS:
        return item.macs
    if column == LayerTableModel.RECEPTIVE_FIELD:
        return item.receptive_field
    return None


def _text(item, is_block: bool, column: int) -> str:
    if column == 0:
        return block_title(item) if is_block else item.name
    if column == 1:
        return _layers(len(item.rows)) if is_block else item.type
    if column == 2:
        return formatting.shape(item.output_shape)
    if column == LayerTableModel.RECEPTIVE_FIELD:
        axes = None if is_block else item.receptive_field_axes
        return formatting.receptive_field(item.receptive_field, item.field_kind, axes)
    return formatting.count(_value(item, column))


def _tip(line: _Line) -> str:
    return _block_tip(line.item) if line.is_block else _layer_tip(line.item)


def block_title(block) -> str:
    """The paper's name of a block; layers outside any named block (a stem or a head the
    paper does not name) are titled by their first and last layer."""
    if block.name:
        return block.name
    return f"{block.rows[0].name} … {block.rows[-1].name}"


_HEADER_TIPS = {
    3: "Weights of the layer or block (trainable and non-trainable).",
    4: "Multiply-accumulate operations per image (1 MAC = 2 FLOPs).",
    5: "Side of the input region, in pixels, that one output position sees.",
}


def _layers(n: int) -> str:
    return f"{n} layer" if n == 1 else f"{n} layers"


def _block_tip(block) -> str:
    return (
        f"{block_title(block)}: {_layers(len(block.rows))}, {block.params:,} parameters "
        f"({block.trainable_params:,} trainable), {block.macs:,} MACs"
    )


def _layer_tip(row) -> str:
    lines = [f"{row.name} ({row.type})"]
    if row.kernel_size:
        lines.append(f"kernel {formatting.shape(row.kernel_size)}, strides "
                     f"{formatting.shape(row.strides)}, padding {row.padding}")
    if row.inbound:
        lines.append("inputs: " + ", ".join(row.inbound))
    lines.append(
        f"output: {row.activation_elements:,} values "
        f"({formatting.size_in_bytes(row.activation_bytes)} per image)"
    )
    if row.note:
        lines.append(row.note)
    return "\n".join(lines)


class BarDelegate(QStyledItemDelegate):
    """Paints a cell's share of the largest block as a bar behind its number, so that the
    expensive blocks stand out (layers get a paler bar on the same scale)."""

    BLOCK_COLOR = QColor(94, 140, 207, 110)
    LAYER_COLOR = QColor(94, 140, 207, 55)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        fraction = index.data(FRACTION_ROLE)
        if fraction:
            is_block = not index.parent().isValid()
            bar = QRect(option.rect.adjusted(3, 4, -3, -4))
            bar.setWidth(max(1, round(bar.width() * min(1.0, float(fraction)))))
            painter.save()
            painter.fillRect(bar, self.BLOCK_COLOR if is_block else self.LAYER_COLOR)
            painter.restore()
        super().paint(painter, option, index)


class LayerTableView(QTreeView):
    """The tree view of a LayerTableModel, with bars in the parameter and MAC columns."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.table_model = LayerTableModel(self)
        self.setModel(self.table_model)
        self.setUniformRowHeights(True)  # lets the view skip measuring every row
        self.setAlternatingRowColors(True)
        self.setAllColumnsShowFocus(True)
        self.setSelectionBehavior(QTreeView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTreeView.SelectionMode.ExtendedSelection)
        self._bars = BarDelegate(self)
        for column in (LayerTableModel.PARAMS, LayerTableModel.MACS):
            self.setItemDelegateForColumn(column, self._bars)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    # Narrowest the name and type columns get when the view is too narrow for every column:
    # names are elided (their tooltips are whole) so that the numbers stay in view.
    MIN_NAME_WIDTH, MIN_TYPE_WIDTH = 130, 90

    def set_summary(self, summary) -> None:
        self.table_model.set_summary(summary)
        self._natural_widths = self._measure_columns()
        self._fit_columns()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _measure_columns(self) -> list[int]:
        # ResizeToContents would measure every cell of every row through the delegate;
        # measuring the longest text of each column with the font's metrics is instant.
        model = self.table_model
        metrics = QFontMetrics(self.font())
        bold = QFontMetrics(model._bold)
        rows = list(model.texts())
        widths = []
        for column, title in enumerate(model.COLUMNS):
            longest = max([title, *(texts[column] for texts in rows)], key=len)
            width = max(metrics.horizontalAdvance(longest), bold.horizontalAdvance(longest))
            indent = self.indentation() + 8 if column == 0 else 0
            # Long type names (GlobalAveragePooling2D) may be elided: the numbers matter more.
            limit = 150 if column == 1 else 320
            widths.append(min(width + 18 + indent, limit))
        return widths

    def _fit_columns(self) -> None:
        """The measured widths, the name and type columns narrowed first when the view
        is too narrow for all of them."""
        widths = list(getattr(self, "_natural_widths", []))
        if not widths:
            return
        excess = sum(widths) - self.viewport().width()
        for column, narrowest in ((0, self.MIN_NAME_WIDTH), (1, self.MIN_TYPE_WIDTH)):
            if excess <= 0:
                break
            cut = min(excess, max(0, widths[column] - narrowest))
            widths[column] -= cut
            excess -= cut
        for column, width in enumerate(widths):
            self.setColumnWidth(column, width)


class TotalsPanel(QWidget):
    """The totals beneath the table: parameters, MACs and FLOPs, memory, receptive field."""

    FIELDS = (
        ("params", "Parameters"),
        ("compute", "Compute"),
        ("memory", "Memory"),
        ("field", "Receptive field"),
    )

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 6, 4, 2)
        layout.setHorizontalSpacing(14)
        layout.setVerticalSpacing(4)
        self.values: dict[str, QLabel] = {}
        for row, (key, title) in enumerate(self.FIELDS):
            name = QLabel(title)
            name.setObjectName("totalsName")
            value = QLabel(formatting.MISSING)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setObjectName("totalsValue")
            value.setWordWrap(True)  # long lines must not force the window wider
            layout.addWidget(name, row, 0, Qt.AlignmentFlag.AlignRight)
            layout.addWidget(value, row, 1)
            self.values[key] = value
        layout.setColumnStretch(1, 1)

    def set_totals(self, totals) -> None:
        """Show netlib.inspect Totals; None blanks the panel."""
        if totals is None:
            for label in self.values.values():
                label.setText(formatting.MISSING)
            return
        self.values["params"].setText(
            f"<b>{totals.params:,}</b> total · {totals.trainable_params:,} trainable · "
            f"{totals.non_trainable_params:,} non-trainable"
        )
        self.values["compute"].setText(
            f"<b>{formatting.si(totals.macs, 'MACs')}</b> ({formatting.count(totals.macs)} "
            f"multiply-accumulates per image, biases not counted) · "
            f"{formatting.si(totals.flops, 'FLOPs')} "
            f"(1 MAC = 2 FLOPs)"
        )
        self.values["memory"].setText(
            f"weights {formatting.size_in_bytes(totals.weight_bytes)} · activations "
            f"{formatting.size_in_bytes(totals.activation_bytes)} per image "
            f"(every layer's output, forward pass)"
        )
        field = formatting.receptive_field(totals.receptive_field)
        self.values["field"].setText(
            f"<b>{field} px</b> at {totals.receptive_field_layer} · depth "
            f"<b>{totals.depth}</b> (weight layers on the longest path) · "
            f"{totals.layers:,} layers"
        )
