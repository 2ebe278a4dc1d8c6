"""The bar above every screen: the screen's title, the global search, the Add button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktopcrm.qt import (
    QEvent,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QObject,
    QSizePolicy,
    QWidget,
)
from desktopcrm.views.add_button import AddButton
from desktopcrm.views.icons import icon

if TYPE_CHECKING:
    from desktopcrm.views.context import AppContext
    from desktopcrm.views.main_window import MainWindow


class SearchField(QFrame):
    """A search icon, a frameless line edit (``edit``) and the Ctrl+K hint, as one box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SearchField")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 0, 8, 0)
        layout.setSpacing(8)
        glass = QLabel()
        glass.setPixmap(icon("search", "text_muted").pixmap(16, 16))
        layout.addWidget(glass)
        self.edit = QLineEdit()
        self.edit.setObjectName("SearchBox")
        self.edit.setPlaceholderText("Search or jump to…")
        self.edit.setAccessibleName("Search")
        self.edit.setAccessibleDescription(
            "Search screens, settings, commands and users; arrows to choose, Enter to open"
        )
        layout.addWidget(self.edit, 1)
        self.key_hint = QLabel("Ctrl K")
        self.key_hint.setObjectName("KeyHint")
        # Its own height, centred: a fixed size policy does what AlignVCenter would, without
        # the Qt namespace before the first paint (qt.LazyNamespace).
        self.key_hint.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.key_hint)
        self.edit.installEventFilter(self)
        self.setFocusProxy(self.edit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            focused = event.type() == QEvent.Type.FocusIn
            self.setProperty("focused", focused)
            self.key_hint.setVisible(not focused)
            self.style().unpolish(self)
            self.style().polish(self)
        return False


class TopBar(QFrame):
    """Search and Add stay disabled until ``attach``: both need the database."""

    def __init__(self, window: MainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopBar")
        self.setFixedHeight(60)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 10, 20, 10)
        layout.setSpacing(12)
        self.title = QLabel()
        self.title.setObjectName("ScreenTitle")
        layout.addWidget(self.title)
        layout.addStretch(1)
        self.search_field = SearchField()
        self.search_field.setFixedWidth(400)
        self.search = self.search_field.edit
        layout.addWidget(self.search_field)
        self.search_field.setEnabled(False)
        self.add_button = AddButton(window)
        layout.addWidget(self.add_button)

    def attach(self, context: AppContext) -> None:
        self.search_field.setEnabled(True)
        self.add_button.attach(context)

    def add_tool(self, widget: QWidget) -> None:
        """Put ``widget`` (e.g. the notification bell, added after the first paint) between
        the search and the Add button."""
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertWidget(layout.indexOf(self.add_button), widget)
