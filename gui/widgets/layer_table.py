"""The layer table: a tree of the paper's blocks with their layers, and the totals beneath.

A QAbstractItemModel over netlib.inspect's Summary rather than a QTreeWidget: the model
answers only for the rows on screen, so a 800-layer EfficientNet-B7 appears at once,
where creating one QTreeWidgetItem per cell costs seconds (benchmarked in the report of
the commit that introduced this file).
"""

from __future__ import annotations

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

from gui import formatting

Index = QModelIndex | QPersistentModelIndex

# Where a block row's children are: block rows have internal id 0, a layer row has the
# id (its block's row + 1), so parent() needs no Python object behind the index.
_TOP = 0

#: The fraction (0..1) of the largest block's value, for the bar delegate.
FRACTION_ROLE = Qt.ItemDataRole.UserRole + 1
#: The raw number behind a numeric cell (tests compare it with the Summary).
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2


class LayerTableModel(QAbstractItemModel):
    """Blocks at the top level, their layers beneath; columns as in COLUMNS."""

    COLUMNS = ("Layer", "Type", "Output shape", "Parameters", "MACs", "Receptive field")
    PARAMS, MACS, RECEPTIVE_FIELD = 3, 4, 5
    NUMERIC = (PARAMS, MACS, RECEPTIVE_FIELD)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._blocks: list = []
        # Display strings, made once per summary: [block][0] is the top row's, [block][i]
        # the i-th layer's. data() and the column fitting both read them.
        self._texts: list[list[tuple[str, ...]]] = []
        self._largest = {self.PARAMS: 0, self.MACS: 0}
        self._bold = QFont()
        self._bold.setBold(True)

    def set_summary(self, summary) -> None:
        """Show `summary` (netlib.inspect.Summary); None empties the table."""
        self.beginResetModel()
        self._blocks = list(summary.blocks()) if summary is not None else []
        self._texts = [self._block_texts(block) for block in self._blocks]
        self._largest = {
            self.PARAMS: max((b.params for b in self._blocks), default=0),
            self.MACS: max((b.macs for b in self._blocks), default=0),
        }
        self.endResetModel()

    def blocks(self) -> list:
        return self._blocks

    def texts(self):
        """Every display string, row by row (for measuring column widths)."""
        for block_texts in self._texts:
            yield from block_texts

    def _block_texts(self, block) -> list[tuple[str, ...]]:
        columns = range(len(self.COLUMNS))
        rows = [tuple(self._text(row, False, c) for c in columns) for row in block.rows]
        if len(block.rows) == 1:
            return rows  # shown as its one layer
        return [tuple(self._text(block, True, c) for c in columns), *rows]

    # -- the tree ----------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        # Bounds checked here rather than with hasIndex(), which calls back into
        # rowCount() and columnCount(): expanding 800 layers asks for every index.
        if not 0 <= column < len(self.COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP) if row < len(self._blocks) else QModelIndex()
        if parent.internalId() != _TOP or row >= len(self._blocks[parent.row()].rows):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _TOP)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._blocks)
        if parent.internalId() == _TOP and parent.column() == 0:
            rows = self._blocks[parent.row()].rows
            # A block of one layer (the input, a lone pooling layer) is shown as that
            # layer: a branch that opens onto a copy of itself is clutter.
            return len(rows) if len(rows) > 1 else 0
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return len(self.COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(section)
        return None

    def item(self, index: Index) -> tuple[Any, bool]:
        """(block or row, is_block) behind an index; a one-layer block gives its row."""
        if index.internalId() == _TOP:
            block = self._blocks[index.row()]
            if len(block.rows) == 1:
                return block.rows[0], False
            return block, True
        return self._blocks[index.internalId() - 1].rows[index.row()], False

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(index)[column]
        item, is_block = self.item(index)
        if role == VALUE_ROLE:
            return self._value(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == 0 and not index.parent().isValid():
            return self._bold
        if role == FRACTION_ROLE and column in self._largest:
            largest = self._largest[column]
            return self._value(item, column) / largest if largest else 0.0
        if role == Qt.ItemDataRole.ToolTipRole:
            return _block_tip(item) if is_block else _layer_tip(item)
        return None

    def _display(self, index: Index) -> tuple[str, ...]:
        block = index.internalId()
        if block == _TOP:
            return self._texts[index.row()][0]
        texts = self._texts[block - 1]
        return texts[index.row() + (len(texts) - len(self._blocks[block - 1].rows))]

    def _value(self, item, column: int):
        if column == self.PARAMS:
            return item.params
        if column == self.MACS:
            return item.macs
        if column == self.RECEPTIVE_FIELD:
            return item.receptive_field
        return None

    def _text(self, item, is_block: bool, column: int) -> str:
        if column == 0:
            return block_title(item) if is_block else item.name
        if column == 1:
            return _layers(len(item.rows)) if is_block else item.type
        if column == 2:
            return formatting.shape(item.output_shape)
        if column == self.RECEPTIVE_FIELD:
            axes = None if is_block else item.receptive_field_axes
            return formatting.receptive_field(item.receptive_field, item.field_kind, axes)
        return formatting.count(self._value(item, column))


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

    def set_summary(self, summary) -> None:
        self.table_model.set_summary(summary)
        self._fit_columns()

    def _fit_columns(self) -> None:
        # ResizeToContents would measure every cell of every row through the delegate;
        # measuring the longest text of each column with the font's metrics is instant.
        model = self.table_model
        metrics = QFontMetrics(self.font())
        bold = QFontMetrics(model._bold)
        rows = list(model.texts())
        for column, title in enumerate(model.COLUMNS):
            longest = max([title, *(texts[column] for texts in rows)], key=len)
            width = max(metrics.horizontalAdvance(longest), bold.horizontalAdvance(longest))
            indent = self.indentation() + 8 if column == 0 else 0
            self.setColumnWidth(column, min(width + 28 + indent, 360))


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
            value = QLabel("—")
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
                label.setText("—")
            return
        self.values["params"].setText(
            f"<b>{totals.params:,}</b> total · {totals.trainable_params:,} trainable · "
            f"{totals.non_trainable_params:,} non-trainable"
        )
        self.values["compute"].setText(
            f"<b>{formatting.si(totals.macs)}MACs</b> ({totals.macs:,} multiply-accumulates "
            f"per image, biases not counted) · {formatting.si(totals.flops)}FLOPs "
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
