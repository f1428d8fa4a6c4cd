"""A model's top-k classes as probability bars (AlexNet's Figure 4, one image's worth).

`paint_top_k` draws the rows into any rectangle (the Results page's gallery paints many
of them in one list view); `TopKBars` is the widget for one image, whose rows can be
clicked (the Predict page then explains the clicked class).

A row's bar is green when its class is the true class, red when it is the top guess and
wrong, grey-blue otherwise; the true class's name is marked with a check mark.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor, QFont, QFontMetrics, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

ROW_HEIGHT = 18
MIN_BAR = 40  # the narrowest bar worth drawing, in pixels
TRUE_COLOR = QColor(46, 139, 87)
WRONG_COLOR = QColor(192, 57, 43)
OTHER_COLOR = QColor(120, 144, 180)
TRACK_COLOR = QColor(234, 237, 242)
TEXT_COLOR = QColor(39, 48, 61)
CARD_THUMBNAIL = 64  # the thumbnail box of a card, in pixels


def paint_card(
    painter: QPainter,
    rect: QRect,
    *,
    selected: bool,
    thumbnail: QImage | None,
    title: str,
    title_color: QColor = TEXT_COLOR,
) -> QRect:
    """One image's card, as the Results gallery and the Predict list draw it: a rounded
    frame, the thumbnail centred in a box on the left (a grey box while it loads) and a
    bold title, elided to fit. Returns the rectangle left for the body (bars, a message).
    The painter's state is the caller's to save and restore."""
    painter.setPen(QColor(217, 221, 227))
    painter.setBrush(QColor(232, 240, 252) if selected else QColor(255, 255, 255))
    painter.drawRoundedRect(rect, 4, 4)
    box = QRect(rect.left() + 6, rect.top() + 6, CARD_THUMBNAIL, CARD_THUMBNAIL)
    if thumbnail is not None:
        pixmap = QPixmap.fromImage(thumbnail)
        painter.drawPixmap(box.left() + (CARD_THUMBNAIL - pixmap.width()) // 2,
                           box.top() + (CARD_THUMBNAIL - pixmap.height()) // 2, pixmap)
    else:
        painter.fillRect(box, QColor(242, 244, 247))
    left = box.right() + 10
    header = QRect(left, rect.top() + 4, rect.right() - left - 4, 18)
    font = QFont(painter.font())
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(title_color)
    elided = painter.fontMetrics().elidedText(title, Qt.TextElideMode.ElideMiddle, header.width())
    painter.drawText(header, Qt.AlignmentFlag.AlignVCenter, elided)
    font.setBold(False)
    painter.setFont(font)
    return QRect(left, header.bottom() + 4, header.width(), rect.bottom() - header.bottom() - 4)


def bar_color(row: int, name: str, true_class: str | None) -> QColor:
    """The colour of row `row` (0: the top guess) for class `name`."""
    if true_class is not None and name == true_class:
        return TRUE_COLOR
    if row == 0 and true_class is not None:
        return WRONG_COLOR
    return OTHER_COLOR


def name_column_width(font: QFont, width: int, top: Sequence[tuple[str, float]],
                      true_class: str | None = None) -> int:
    """The width of the class names' column: the widest name as it is drawn (the true
    class's in bold, with its check mark), as long as a bar of MIN_BAR pixels and the
    percentage still fit beside it; only then is a name shortened."""
    regular, bold = QFont(font), QFont(font)
    bold.setBold(True)
    needed = 0
    for name, _ in top:
        is_true = true_class is not None and name == true_class
        label = f"✓ {name}" if is_true else name
        needed = max(needed, QFontMetrics(bold if is_true else regular).horizontalAdvance(label))
    percent = QFontMetrics(regular).horizontalAdvance("100.0%") + 6
    return max(0, min(needed + 8, width - percent - MIN_BAR))


def paint_top_k(
    painter: QPainter,
    rect: QRect,
    top: Sequence[tuple[str, float]],
    true_class: str | None = None,
    *,
    row_height: int = ROW_HEIGHT,
    highlighted: int | None = None,
) -> None:
    """Paint `top` ([(class, probability)], best first) as rows of name, bar, percent
    inside `rect`; mark `true_class` (when given) and the row `highlighted`."""
    metrics = QFontMetrics(painter.font())
    name_width = name_column_width(painter.font(), rect.width(), top, true_class)
    percent_width = metrics.horizontalAdvance("100.0%") + 6
    bar_left = rect.left() + name_width
    bar_width = max(10, rect.width() - name_width - percent_width)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for row, (name, probability) in enumerate(top):
        top_y = rect.top() + row * row_height
        if top_y + row_height > rect.bottom() + 2:
            break
        if row == highlighted:
            painter.fillRect(QRect(rect.left(), top_y, rect.width(), row_height),
                             QColor(220, 230, 245))
        is_true = true_class is not None and name == true_class
        label = f"✓ {name}" if is_true else name
        font = QFont(painter.font())
        font.setBold(is_true)
        painter.setFont(font)
        painter.setPen(TEXT_COLOR)
        text_rect = QRect(rect.left(), top_y, name_width - 4, row_height)
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, name_width - 4),
        )
        track = QRectF(bar_left, top_y + 3, bar_width, row_height - 6)
        painter.fillRect(track, TRACK_COLOR)
        filled = QRectF(track.left(), track.top(), track.width() * max(0.0, min(1.0, probability)),
                        track.height())
        painter.fillRect(filled, bar_color(row, name, true_class))
        painter.drawText(
            QRect(bar_left + bar_width + 4, top_y, percent_width, row_height),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            f"{probability:.1%}",
        )
    painter.restore()


class TopKBars(QWidget):
    """One image's top-k classes as bars; a click on a row emits `class_clicked`."""

    #: A row was clicked: carries its position (0: the top guess) and class name.
    class_clicked = Signal(int, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.top: list[tuple[str, float]] = []
        self.true_class: str | None = None
        self.highlighted: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(120)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_predictions(
        self, top: Sequence[tuple[str, float]], true_class: str | None = None,
        highlighted: int | None = None,
    ) -> None:
        self.top = [(str(name), float(p)) for name, p in top]
        self.true_class = true_class
        self.highlighted = highlighted
        self.setFixedHeight(max(1, len(self.top)) * ROW_HEIGHT + 2)
        self.update()

    def set_highlighted(self, row: int | None) -> None:
        self.highlighted = row
        self.update()

    def row_at(self, y: float) -> int | None:
        row = int(y // ROW_HEIGHT)
        return row if 0 <= row < len(self.top) else None

    def sizeHint(self) -> QSize:
        return QSize(260, max(1, len(self.top)) * ROW_HEIGHT + 2)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        paint_top_k(painter, self.rect(), self.top, self.true_class, highlighted=self.highlighted)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position().y())
        if row is not None:
            self.class_clicked.emit(row, self.top[row][0])
        super().mousePressEvent(event)
