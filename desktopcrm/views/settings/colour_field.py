"""A colour input: a swatch that opens the colour picker, and the ``#RRGGBB`` value to type."""

from __future__ import annotations

import re

from desktopcrm.qt import (
    QColor,
    QColorDialog,
    QHBoxLayout,
    QIcon,
    QLineEdit,
    QPainter,
    QPixmap,
    QPushButton,
    Qt,
    QWidget,
    Signal,
)

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def swatch_icon(colour: str, size: int = 16) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 60))
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(0, 0, size - 1, size - 1, 4, 4)
    painter.end()
    return QIcon(pixmap)


class ColourField(QWidget):
    """``colour_changed`` fires with a valid ``#rrggbb`` whenever the value changes."""

    colour_changed = Signal(str)

    def __init__(self, label: str, colour: str = "#1f2937", parent: QWidget | None = None):
        super().__init__(parent)
        self._label = label
        self._colour = colour.lower()
        self.dialog: QColorDialog | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.swatch = QPushButton()
        self.swatch.setObjectName("ColourSwatch")
        self.swatch.setAccessibleName(f"Pick the {label.lower()}")
        self.swatch.setToolTip(f"Pick the {label.lower()}…")
        self.swatch.clicked.connect(self.pick)
        layout.addWidget(self.swatch)
        self.edit = QLineEdit(self._colour)
        self.edit.setAccessibleName(label)
        self.edit.setMaxLength(7)
        self.edit.setFixedWidth(92)
        self.edit.setPlaceholderText("#RRGGBB")
        self.edit.textEdited.connect(self._typed)
        layout.addWidget(self.edit)
        layout.addStretch(1)
        self._show()

    def colour(self) -> str:
        return self._colour

    def set_colour(self, colour: str) -> None:
        colour = colour.lower()
        if not HEX.match(colour):
            return
        changed = colour != self._colour
        self._colour = colour
        self.edit.setText(colour)
        self.edit.setProperty("invalid", False)
        self._show()
        if changed:
            self.colour_changed.emit(colour)

    def _typed(self, text: str) -> None:
        text = text.strip()
        if text and not text.startswith("#"):
            text = "#" + text
        valid = bool(HEX.match(text))
        self.edit.setProperty("invalid", not valid and bool(text))
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)
        if valid:
            colour = text.lower()
            if colour != self._colour:
                self._colour = colour
                self._show()
                self.colour_changed.emit(colour)

    def _show(self) -> None:
        self.swatch.setIcon(swatch_icon(self._colour))

    def pick(self) -> QColorDialog:
        """Open the colour picker (non-blocking); the chosen colour replaces the value."""
        dialog = QColorDialog(QColor(self._colour), self)
        dialog.setWindowTitle(self._label)
        dialog.setObjectName("ColourPicker")
        dialog.colorSelected.connect(lambda c: self.set_colour(c.name()))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
        return dialog
