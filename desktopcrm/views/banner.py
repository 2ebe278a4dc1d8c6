"""A yellow banner at the top of the window for warnings the user must not miss."""

from __future__ import annotations

from desktopcrm.qt import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSize,
    Qt,
    QToolButton,
    QWidget,
)
from desktopcrm.views.icons import icon


class WarningBanner(QFrame):
    """Shows the first sentence of a warning; Details opens the whole text; × hides it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WarningBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setAccessibleName("Warning")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 12, 8)
        layout.setSpacing(10)
        self.icon = QLabel()
        self.icon.setPixmap(icon("warning", "warning_text").pixmap(18, 18))
        layout.addWidget(self.icon)
        self.label = QLabel()
        self.label.setWordWrap(True)
        layout.addWidget(self.label, 1)
        self.details_button = QPushButton("Details")
        self.details_button.clicked.connect(self.show_details)
        layout.addWidget(self.details_button)
        self.dismiss_button = QToolButton()
        self.dismiss_button.setIcon(icon("close", "warning_text"))
        self.dismiss_button.setIconSize(QSize(14, 14))
        self.dismiss_button.setProperty("flat", True)
        self.dismiss_button.setAccessibleName("Dismiss warning")
        self.dismiss_button.setToolTip("Dismiss until the next start")
        self.dismiss_button.clicked.connect(self.hide)
        layout.addWidget(self.dismiss_button)
        self.warnings: tuple[str, ...] = ()
        self.details_box: QMessageBox | None = None
        self.hide()

    def set_warnings(self, warnings: tuple[str, ...]) -> None:
        self.warnings = warnings
        if not warnings:
            self.hide()
            return
        first = warnings[0].split(". ")[0].rstrip(".") + "."
        more = f"  (+{len(warnings) - 1} more)" if len(warnings) > 1 else ""
        self.label.setText(first + more)
        self.setToolTip("\n\n".join(warnings))
        self.show()

    def show_details(self) -> None:
        self.details_box = QMessageBox(
            QMessageBox.Icon.Warning, "Database warning", "\n\n".join(self.warnings), parent=self
        )
        self.details_box.open()
