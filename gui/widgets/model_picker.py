"""The list of networks: families in the order their papers appeared, each with its
variants, the year and the paper; a filter box narrows it as you type."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTreeView, QVBoxLayout, QWidget

#: The model name of a variant row (family rows have none).
NAME_ROLE = Qt.ItemDataRole.UserRole + 1
#: What the filter matches: name, family, paper, authors, year and description.
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2


class ModelPicker(QWidget):
    """Pick a network; `model_selected(name)` says which."""

    model_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.filter_box = QLineEdit()
        self.filter_box.setPlaceholderText("Filter networks (name, family, paper, year)…")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.setAcceptDrops(False)  # a folder dropped here is for the window

        self.source = QStandardItemModel(0, 3, self)
        self.source.setHorizontalHeaderLabels(["Network", "Year", "Paper"])
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setRecursiveFilteringEnabled(True)  # a matching variant keeps its family
        self.proxy.setAutoAcceptChildRows(True)  # a matching family keeps its variants

        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionBehavior(QTreeView.SelectionBehavior.SelectRows)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setColumnWidth(0, 150)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.filter_box)
        layout.addWidget(self.tree)

        self.filter_box.textChanged.connect(self.set_filter)
        self.tree.selectionModel().currentChanged.connect(self._on_current_changed)

    def populate(self, infos: list, families: list[str]) -> None:
        """Fill the tree: `infos` (netlib ModelInfo, in list_models order) grouped under
        `families` (in paper order)."""
        self.source.removeRows(0, self.source.rowCount())
        bold = QFont()
        bold.setBold(True)
        for family in families:
            members = [info for info in infos if info.family == family]
            if not members:
                continue
            head = QStandardItem(family)
            head.setFont(bold)
            head.setSelectable(False)
            year = QStandardItem(str(min(info.year for info in members)))
            papers = dict.fromkeys(info.paper for info in members)
            paper = QStandardItem(" / ".join(papers))
            head.setData(family + " " + " ".join(papers), SEARCH_ROLE)
            for cell in (year, paper):
                cell.setSelectable(False)
            for info in members:
                head.appendRow(_variant_row(info))
            self.source.appendRow([head, year, paper])
        self.tree.expandAll()

    def set_filter(self, text: str) -> None:
        if self.filter_box.text() != text:
            self.filter_box.setText(text)  # comes back here through textChanged
            return
        self.proxy.setFilterFixedString(text.strip())
        self.tree.expandAll()

    def visible_models(self) -> list[str]:
        """The model names the filter lets through, in display order."""
        names = []
        for row in range(self.proxy.rowCount()):
            family = self.proxy.index(row, 0)
            for child in range(self.proxy.rowCount(family)):
                names.append(self.proxy.index(child, 0, family).data(NAME_ROLE))
        return names

    def select(self, name: str) -> bool:
        """Select the network `name`; False if it is not in the (filtered) list."""
        for row in range(self.proxy.rowCount()):
            family = self.proxy.index(row, 0)
            for child in range(self.proxy.rowCount(family)):
                index = self.proxy.index(child, 0, family)
                if index.data(NAME_ROLE) == name:
                    self.tree.setCurrentIndex(index)
                    self.tree.scrollTo(index)
                    return True
        return False

    def current(self) -> str | None:
        return self.tree.currentIndex().siblingAtColumn(0).data(NAME_ROLE)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        name = current.siblingAtColumn(0).data(NAME_ROLE)
        if name:
            self.model_selected.emit(name)


def _variant_row(info) -> list[QStandardItem]:
    name = QStandardItem(info.name)
    name.setData(info.name, NAME_ROLE)
    name.setData(
        " ".join([info.name, info.family, info.paper, info.authors, str(info.year),
                  info.description]),
        SEARCH_ROLE,
    )
    tip = f"{info.description}\n{info.paper} ({info.authors}, {info.year})"
    year = QStandardItem(str(info.year))
    paper = QStandardItem(info.paper)
    for cell in (name, year, paper):
        cell.setToolTip(tip)
    return [name, year, paper]
