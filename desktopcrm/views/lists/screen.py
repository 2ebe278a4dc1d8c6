"""The Leads, Contacts (people), Companies and Deals screens: one ``ListScreen`` per kind.

Views and smart lists on the left; search, filters, columns and the count above the table;
bulk actions over the selection; the rows from a lazy ``ListModel``. Everything that touches
the database runs in an ``Operation``; the screen follows ``records_changed`` and
``database_changed`` so edits made elsewhere show without a manual refresh.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from desktopcrm.qt import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QKeyEvent,
    QKeySequence,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSettings,
    QShortcut,
    QShowEvent,
    QStackedWidget,
    Qt,
    QTableView,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from desktopcrm.services.lists import Filter, ListSpec, SortKey
from desktopcrm.views.context import AppContext
from desktopcrm.views.icons import icon
from desktopcrm.views.lists.bulk_bar import BulkBar, UndoBar
from desktopcrm.views.lists.columns import (
    BUILTIN,
    DEFAULT_KEYS,
    ENTITY,
    EXPORT_KIND,
    Column,
    custom_column,
    noun,
)
from desktopcrm.views.lists.delegate import ListDelegate
from desktopcrm.views.lists.filter_panel import FilterPanel
from desktopcrm.views.lists.filters import filter_fields
from desktopcrm.views.lists.model import ListModel
from desktopcrm.views.lists.selection import KeptSelection
from desktopcrm.views.lists.smart_lists import SmartListsPanel, View
from desktopcrm.views.lists.style import apply_list_style
from desktopcrm.views.operations import Operation, Task, failure_text, show_failure
from desktopcrm.views.top_bar import SearchField

log = logging.getLogger("desktopcrm.views.lists")

#: Wait this long after the last key before reading the list (the query itself runs in a
#: worker and a newer one interrupts it, so this only coalesces keys that come together: a
#: paste, auto-repeat; a typist's keys are 100 ms or more apart, and every millisecond here
#: is latency after the last key).
SEARCH_DEBOUNCE_MS = 15
#: Coalesce change notifications that come in bursts (a bulk action, an import).
REFRESH_DEBOUNCE_MS = 120
#: Tables whose changes may change what a list shows.
WATCHED = frozenset(
    {
        "lead",
        "contact",
        "deal",
        "tag",
        "record_tag",
        "lead_status",
        "stage",
        "pipeline",
        "users",
        "custom_field",
        "custom_field_option",
        "custom_value",
        "deal_contact",
    }
)
_TABLE = {"lead": "lead", "person": "contact", "company": "contact", "deal": "deal"}


def list_settings() -> QSettings:
    """Column choices per database, user and list (an INI file beside settings.json)."""
    from desktopcrm.settings import config_dir

    return QSettings(str(config_dir() / "lists.ini"), QSettings.Format.IniFormat)


class ListTable(QTableView):
    """The table: Enter opens the current row, Del deletes the selection."""

    def __init__(self, screen: ListScreen) -> None:
        super().__init__()
        self._screen = screen

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._screen.open_row(self.currentIndex().row())
            return
        if key == Qt.Key.Key_Delete and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self._screen.delete_selection()
            return
        super().keyPressEvent(event)


class ListScreen(QWidget):
    """A list screen of one kind: 'lead', 'person', 'company' or 'deal'."""

    KIND = "person"
    TITLE = "People"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.kind = self.KIND
        self.setObjectName(f"ListScreen-{self.kind}")
        self.view_key = "all"
        self._dirty = False
        self._shown = False
        self._custom_columns: list[Column] = []
        self._deleted: list[uuid.UUID] = []
        self._bulk: Operation | None = None
        self.exporting: Operation | None = None  # the last CSV export (tests wait for it)
        self._kept: KeptSelection | None = None  # the selection a refresh puts back
        self._db_id = ""
        self._saved: dict[str, Any] = {}

        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.views = SmartListsPanel(self.TITLE)
        root.addWidget(self.views)
        body = QWidget()
        body.setObjectName("ListBody")
        root.addWidget(body, 1)
        column = QVBoxLayout(body)
        column.setContentsMargins(20, 14, 20, 8)
        column.setSpacing(10)

        # ---- toolbar
        toolbar = QHBoxLayout()
        toolbar.setSpacing(8)
        self.search_field = SearchField()
        self.search_field.setMinimumWidth(280)
        self.search_field.setMaximumWidth(400)
        self.search_field.key_hint.setText("Ctrl ⇧ F")
        self.search = self.search_field.edit
        self.search.setPlaceholderText(f"Search {NOUN_PLURAL[self.kind]}…")
        self.search.setAccessibleName(f"Search {NOUN_PLURAL[self.kind]}")
        self.search.setAccessibleDescription("Every word is matched as the start of a word")
        self.search.setClearButtonEnabled(True)
        toolbar.addWidget(self.search_field, 1)
        self.filter_button = QPushButton(icon("fields"), "Filters")
        self.filter_button.setCheckable(True)
        self.filter_button.setAccessibleName("Show filters")
        self.filter_button.setToolTip("Filter on any field (Ctrl+Shift+L)")
        toolbar.addWidget(self.filter_button)
        self.columns_button = QToolButton()
        self.columns_button.setText("Columns")
        self.columns_button.setIcon(icon("grip"))
        self.columns_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_button.setAccessibleName("Choose columns")
        self.columns_menu = QMenu(self.columns_button)
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        self.columns_button.setMenu(self.columns_menu)
        toolbar.addWidget(self.columns_button)
        toolbar.addStretch(1)
        self.busy = QProgressBar()
        self.busy.setObjectName("ListBusy")
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(70)
        self.busy.setAccessibleName("Loading")
        self.busy.hide()
        toolbar.addWidget(self.busy)
        self.count_label = QLabel("")
        self.count_label.setObjectName("ListCount")
        self.count_label.setAccessibleName("Number of records")
        toolbar.addWidget(self.count_label)
        self.export_all_button = QPushButton(icon("export"), "Export")
        self.export_all_button.setAccessibleName("Export the list to CSV")
        self.export_all_button.setToolTip("Export every record of this list to a CSV file")
        toolbar.addWidget(self.export_all_button)
        column.addLayout(toolbar)

        self.filter_panel = FilterPanel()
        self.filter_panel.hide()
        column.addWidget(self.filter_panel)
        self.bulk_bar = BulkBar()
        self.bulk_bar.hide()
        column.addWidget(self.bulk_bar)

        # ---- table and empty state
        self.stack = QStackedWidget()
        self.model = ListModel(lambda: self.context.user, self.kind, self._default_columns())
        self.table = ListTable(self)
        self.table.setObjectName("ListTable")
        self.table.setAccessibleName(f"{self.TITLE} list")
        self.table.setModel(self.model)
        self.delegate = ListDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self.model.visible_rows = self._visible_rows
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(False)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(38)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(False)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        self.stack.addWidget(self.table)
        self.empty = self._empty_state()
        self.stack.addWidget(self.empty)
        column.addWidget(self.stack, 1)
        self.undo_bar = UndoBar()
        column.addWidget(self.undo_bar)

        # ---- wiring
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.filter_panel.changed.connect(self._search_timer.start)
        self.filter_button.toggled.connect(self._toggle_filters)
        self.export_all_button.clicked.connect(lambda: self.export(selection=False))
        self.views.view_chosen.connect(self.choose_view)
        self.views.save_requested.connect(self.save_view)
        self.views.context_requested.connect(self._view_menu)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.model.loaded.connect(self._loaded)
        self.model.count_known.connect(self._counted)
        self.model.failed.connect(self._load_failed)
        self.model.busy_changed.connect(self._busy_changed)
        self.bulk_bar.cancel_requested.connect(self._cancel_bulk)
        self.bulk_bar.export_button.clicked.connect(lambda: self.export(selection=True))
        self.bulk_bar.delete_button.clicked.connect(self.delete_selection)
        self.bulk_bar.owner_button.menu().aboutToShow.connect(self._fill_owner_menu)
        self.bulk_bar.tag_button.menu().aboutToShow.connect(self._fill_tag_menu)
        self.bulk_bar.status_button.menu().aboutToShow.connect(self._fill_status_menu)
        self.bulk_bar.status_button.setText("Stage" if self.kind == "deal" else "Status")
        self.bulk_bar.status_button.setVisible(self.kind in ("lead", "deal"))
        self.undo_bar.undo_requested.connect(self.undo_delete)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DEBOUNCE_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        context.records_changed.connect(self._records_changed)
        context.database_changed.connect(self._schedule_refresh)
        context.user_changed.connect(self._user_changed)
        context.database_reopened.connect(self._user_changed)
        self._shortcuts()
        QWidget.setTabOrder(self.views.list, self.views.save_button)
        QWidget.setTabOrder(self.views.save_button, self.search)
        QWidget.setTabOrder(self.search, self.filter_button)
        QWidget.setTabOrder(self.filter_button, self.columns_button)
        QWidget.setTabOrder(self.columns_button, self.export_all_button)
        QWidget.setTabOrder(self.export_all_button, self.table)
        apply_list_style(self, context)
        if context.theme is not None:
            context.theme.changed.connect(lambda _scheme: self.delegate.clear_caches())

        self._load_preferences()
        self._reload_views()
        self.model.set_columns(self._restore_columns())
        self._size_columns()
        self.apply()

    def _visible_rows(self) -> tuple[int, int]:
        """The first and last rows on screen (-1 when none): the blocks the model reads."""
        viewport = self.table.viewport()
        top = self.table.rowAt(0)
        bottom = self.table.rowAt(viewport.height() - 1)
        return top, bottom if bottom >= 0 else self.model.rowCount() - 1

    # ----------------------------------------------------------------- set-up

    def _shortcuts(self) -> None:
        def add(sequence: str | QKeySequence.StandardKey, slot: Callable[[], Any]) -> None:
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        add("Ctrl+Shift+F", self.focus_search)
        add("Ctrl+Shift+L", lambda: self.filter_button.toggle())
        add(QKeySequence.StandardKey.Undo, self.undo_delete)
        add("F5", self.refresh)

    def _empty_state(self) -> QWidget:
        page = QFrame()
        page.setObjectName("EmptyState")
        page.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self.empty_icon = QLabel()
        self.empty_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_icon.setPixmap(icon(SCREEN_ICON[self.kind]).pixmap(40, 40))
        layout.addWidget(self.empty_icon)
        self.empty_title = QLabel("")
        self.empty_title.setObjectName("EmptyTitle")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_title)
        self.empty_text = QLabel("")
        self.empty_text.setObjectName("EmptyText")
        self.empty_text.setWordWrap(True)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_text)
        self.clear_button = QPushButton("Clear search and filters")
        self.clear_button.clicked.connect(self.clear_filters)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)
        return page

    # ----------------------------------------------------------------- columns

    def all_columns(self) -> list[Column]:
        return [*BUILTIN[self.kind], *self._custom_columns]

    def _default_columns(self) -> list[Column]:
        return [c for c in BUILTIN[self.kind] if c.key in DEFAULT_KEYS[self.kind]]

    def _columns_key(self) -> str:
        return f"{self._db_id}/{self.context.user.id.hex}/{self.kind}/{self.view_key}/columns"

    def _load_preferences(self) -> None:
        from desktopcrm.models.schema import database_id

        self._db_id = database_id() or "db"

    def _restore_columns(self, explicit: tuple[str, ...] | None = None) -> list[Column]:
        keys: list[str] | None = list(explicit) if explicit else None
        if keys is None:
            stored = list_settings().value(self._columns_key())
            if isinstance(stored, str):
                keys = [k for k in stored.split(",") if k]
            elif isinstance(stored, list):
                keys = [str(k) for k in stored]
        if not keys:
            return self._default_columns()
        available = {c.key: c for c in self.all_columns()}
        for key in keys:
            if key.startswith("custom:") and key not in available:
                available[key] = custom_column(key[7:], key[7:], "text")
        chosen = [available[k] for k in keys if k in available]
        return chosen or self._default_columns()

    def set_columns(self, keys: list[str], *, remember: bool = True) -> None:
        """Show these columns (by key), remembered for this user and view."""
        columns = self._restore_columns(tuple(keys))
        if remember:
            list_settings().setValue(self._columns_key(), ",".join(c.key for c in columns))
        self.model.set_columns(columns)
        self._size_columns()

    def _size_columns(self) -> None:
        """Give the columns their widths, narrowed alike to fit the table when they would not
        (the last one stretches)."""
        columns = self.model.columns
        available = self.table.viewport().width() if self.table.isVisible() else 0
        total = sum(c.width for c in columns[:-1]) + 120
        scale = min(1.0, available / total) if available > 200 else 1.0
        for index, col in enumerate(columns):
            self.table.setColumnWidth(index, max(72, int(col.width * scale)))
        self._show_sort()

    def _fill_columns_menu(self) -> None:
        menu = self.columns_menu
        menu.clear()
        shown = [c.key for c in self.model.columns]
        builtin = BUILTIN[self.kind]
        for col in [*builtin, *self._custom_columns]:
            if col is self._custom_columns[0] if self._custom_columns else False:
                menu.addSection("Custom fields")
            action = menu.addAction(col.title)
            action.setCheckable(True)
            action.setChecked(col.key in shown)
            action.setData(col.key)
            action.toggled.connect(lambda on, key=col.key: self._toggle_column(key, on))
        menu.addSeparator()
        reset = menu.addAction("Reset to default columns")
        reset.triggered.connect(lambda: self.set_columns([c.key for c in self._default_columns()]))

    def _toggle_column(self, key: str, on: bool) -> None:
        keys = [c.key for c in self.model.columns]
        if on and key not in keys:
            order = [c.key for c in self.all_columns()]
            keys.append(key)
            keys.sort(key=lambda k: order.index(k) if k in order else len(order))
        elif not on and key in keys and len(keys) > 1:
            keys.remove(key)
        self.set_columns(keys)

    # ----------------------------------------------------------------- the list

    def current_spec(self) -> ListSpec:
        """What the list shows now: the view's base filters plus the panel and the search."""
        sort = tuple(self.model.spec.sort)
        filters = list(self.filter_panel.filters())
        if self.view_key == "mine":
            filters.insert(0, Filter("owner", "eq", str(self.context.user.id)))
        text = self.search.text().strip()
        return ListSpec(self.kind, filters=tuple(filters), sort=sort, search_text=text or None)

    def apply(self) -> None:
        """Read the list for the current view, filters, search and sort."""
        self._search_timer.stop()
        self._kept = None
        self.model.set_spec(self.current_spec())
        count = len(self.filter_panel.filters())
        self.filter_button.setText(f"Filters · {count}" if count else "Filters")

    def refresh(self) -> None:
        """Read the list again, keeping scroll position and selection."""
        if not self.context.database_open:
            return
        if not self.isVisible():
            self._dirty = True
            return
        self._dirty = False
        self._kept = KeptSelection.of(self.table, self.model, self.selected_ranges())
        self.model.refresh()

    def _schedule_refresh(self) -> None:
        self._refresh_timer.start()

    def _records_changed(self, table: str) -> None:
        if table in WATCHED:
            self._schedule_refresh()
        if table == "saved_list":
            self._reload_views()

    def _user_changed(self) -> None:
        if not self.context.database_open:
            return
        self.view_key = "all"
        self._load_preferences()
        self._reload_views()
        self.model.set_columns(self._restore_columns())
        self._size_columns()
        self.apply()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            QTimer.singleShot(0, self._size_columns)
        if self._dirty:
            self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def clear_filters(self) -> None:
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.filter_panel.set_filters([])
        self.apply()

    def _toggle_filters(self, on: bool) -> None:
        self.filter_panel.setVisible(on)
        if on and not self.filter_panel.rows:
            self.filter_panel.add_condition()

    def _header_clicked(self, section: int) -> None:
        if not 0 <= section < len(self.model.columns):
            return
        field = self.model.columns[section].sort
        if field is None:
            self._show_sort()
            self.context.message.emit(f"{self.model.columns[section].title} cannot be sorted")
            return
        current = self.model.sort_key()
        descending = bool(current and current.field == field and not current.descending)
        self.model.set_spec(replace(self.current_spec(), sort=(SortKey(field, descending),)))
        self._show_sort()

    def _show_sort(self) -> None:
        header = self.table.horizontalHeader()
        key = self.model.sort_key()
        section = -1
        if key is not None:
            section = next((i for i, c in enumerate(self.model.columns) if c.sort == key.field), -1)
        if section < 0:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            return
        order = (
            Qt.SortOrder.DescendingOrder if key and key.descending else Qt.SortOrder.AscendingOrder
        )
        header.setSortIndicator(section, order)

    def _loaded(self) -> None:
        if self._kept is not None:
            self._kept.restore(self.table, self.model)
            self._kept = None
        lookups = self.model.lookups
        custom = [custom_column(c.key, c.name, c.type) for c in lookups.custom_fields]
        if [c.key for c in custom] != [c.key for c in self._custom_columns]:
            self._custom_columns = custom
        fields = filter_fields(self.kind, lookups)
        if [f.key for f in fields] != [f.key for f in getattr(self, "_fields", [])] or any(
            a.choices != b.choices
            for a, b in zip(fields, getattr(self, "_fields", []), strict=False)
        ):
            self._fields = fields
            self.filter_panel.set_fields(fields)
        self._update_empty()
        self._show_sort()

    def _counted(self, count: int) -> None:
        self.count_label.setText(noun(self.kind, count))
        self._update_empty()

    def _busy_changed(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        if busy and self.model.count is None and not self.model.has_loaded:
            self.count_label.setText("Loading…")

    def _update_empty(self) -> None:
        empty = self.model.has_loaded and self.model.rowCount() == 0 and not self.model.busy
        if self.model.error:
            self.empty_title.setText("The list could not be read")
            self.empty_text.setText(self.model.error)
            self.clear_button.setVisible(True)
            self.stack.setCurrentWidget(self.empty)
            return
        if not empty:
            self.stack.setCurrentWidget(self.table)
            return
        narrowed = bool(self.search.text().strip() or self.filter_panel.filters())
        plural = NOUN_PLURAL[self.kind]
        if narrowed or self.view_key != "all":
            self.empty_title.setText(f"No {plural} match")
            self.empty_text.setText(
                "Nothing matches the search and filters of this view. Change them, or clear "
                "them to see everything."
            )
        else:
            self.empty_title.setText(f"No {plural} yet")
            self.empty_text.setText(
                f"Add {plural} with the Add button (Ctrl+N), or import a CSV file from "
                "Settings › Import."
            )
        self.clear_button.setVisible(narrowed)
        self.stack.setCurrentWidget(self.empty)

    def _load_failed(self, message: str) -> None:
        self.count_label.setText("")
        self._update_empty()

    # ----------------------------------------------------------------- views

    def _reload_views(self) -> None:
        from desktopcrm.services import saved_lists

        plural = NOUN_PLURAL[self.kind]
        views = [View("all", f"All {plural}"), View("mine", f"My {plural}")]
        self._saved = {}
        try:
            for saved in saved_lists.saved_lists(self.context.user, self.kind):
                key = saved.id.hex
                self._saved[key] = saved
                mine = saved.owner_id == self.context.user.id
                views.append(View(key, saved.name, True, bool(saved.shared), mine))
        except Exception as error:  # a database without the table yet, a lost connection
            log.warning("smart lists unavailable: %s", error)
        if self.view_key not in {v.key for v in views}:
            self.view_key = "all"
        self.views.set_views(views, self.view_key)

    def choose_view(self, key: str) -> None:
        """Show a view: everything, mine, or a smart list with its filters, sort, columns."""
        from desktopcrm.services import saved_lists

        self.view_key = key
        saved = self._saved.get(key)
        self.search.blockSignals(True)
        if saved is not None:
            spec = saved_lists.spec_of(saved)
            self.filter_panel.set_filters(spec.filters)
            self.search.setText(spec.search_text or "")
            self.model.spec = replace(self.model.spec, sort=tuple(spec.sort))
            stored = list_settings().value(self._columns_key())
            columns = self._restore_columns(
                None if stored or spec.columns is None else tuple(spec.columns)
            )
            if spec.filters:
                self.filter_button.setChecked(True)
        else:
            self.filter_panel.set_filters([])
            self.search.clear()
            self.model.spec = replace(self.model.spec, sort=())
            columns = self._restore_columns()
        self.search.blockSignals(False)
        self.views.select(key)
        self.model.set_columns(columns)
        self._size_columns()
        self.apply()

    def save_view(self) -> None:
        """Ask for a name and save the current filters as a smart list."""
        from desktopcrm.views.lists.dialogs import SaveViewDialog

        dialog = SaveViewDialog(parent=self)
        dialog.setObjectName("SaveViewDialog")
        dialog.accepted.connect(
            lambda: self.save_smart_list(dialog.name, shared=dialog.shared_box.isChecked())
        )
        dialog.open()

    def save_smart_list(self, name: str, *, shared: bool = False) -> Operation:
        """Save what the list shows as a smart list named ``name`` and switch to it."""
        from desktopcrm.services import saved_lists

        user = self.context.user
        spec = replace(
            self.current_spec(),
            filters=tuple(self.filter_panel.filters()),
            columns=tuple(c.key for c in self.model.columns),
        )
        if self.view_key == "mine":
            spec = replace(spec, filters=(Filter("owner", "eq", str(user.id)), *spec.filters))

        def done(saved: Any) -> None:
            self.view_key = saved.id.hex
            self.context.records_changed.emit("saved_list")
            self.context.message.emit(f'Saved the smart list "{saved.name}"')

        return Operation(
            self,
            lambda _task: saved_lists.save_list(user, name, spec, shared=shared),
            on_success=done,
            title="save the smart list",
        ).run()

    def _view_menu(self, key: str, position: Any) -> None:
        saved = self._saved.get(key)
        if saved is None:
            return
        from desktopcrm.services import saved_lists

        menu = QMenu(self)
        menu.setObjectName("ViewMenu")
        allowed = saved_lists.can_change(self.context.user, saved)
        for text, slot in (
            ("Update with current filters", lambda: self.update_smart_list(key)),
            ("Rename…", lambda: self._rename_view(key)),
            (
                "Stop sharing" if saved.shared else "Share with everyone",
                lambda: self.update_smart_list(key, shared=not saved.shared, spec=False),
            ),
            ("Delete", lambda: self.delete_smart_list(key)),
        ):
            action = menu.addAction(text)
            action.setEnabled(allowed)
            action.triggered.connect(slot)
        menu.popup(position)

    def _rename_view(self, key: str) -> None:
        from desktopcrm.views.lists.dialogs import SaveViewDialog

        saved = self._saved[key]
        dialog = SaveViewDialog(saved.name, rename=True, parent=self)
        dialog.accepted.connect(lambda: self.update_smart_list(key, name=dialog.name, spec=False))
        dialog.open()

    def update_smart_list(
        self, key: str, *, name: str | None = None, shared: bool | None = None, spec: bool = True
    ) -> Operation:
        """Rename, share or unshare a smart list, or make it show the current filters."""
        from desktopcrm.services import saved_lists

        saved, user = self._saved[key], self.context.user
        new_spec = (
            replace(
                self.current_spec(),
                filters=tuple(self.filter_panel.filters()),
                columns=tuple(c.key for c in self.model.columns),
            )
            if spec
            else None
        )
        return Operation(
            self,
            lambda _task: saved_lists.update_list(
                user, saved, name=name, spec=new_spec, shared=shared
            ),
            on_success=lambda _saved: self.context.records_changed.emit("saved_list"),
            title="change the smart list",
        ).run()

    def delete_smart_list(self, key: str) -> Operation:
        from desktopcrm.services import saved_lists

        saved, user = self._saved[key], self.context.user

        def done(_result: Any) -> None:
            if self.view_key == key:
                self.view_key = "all"
                self.choose_view("all")
            self.context.records_changed.emit("saved_list")
            self.context.message.emit(f'Deleted the smart list "{saved.name}"')

        return Operation(
            self,
            lambda _task: saved_lists.delete_list(user, saved),
            on_success=done,
            title="delete the smart list",
        ).run()

    # ----------------------------------------------------------------- rows

    def open_row(self, row: int) -> None:
        """Ask the window to show the record of ``row``."""
        found = self.model.row(row)
        if found is None:
            return
        self.context.open_record.emit(ENTITY[self.kind].value, str(found.id))

    def selected_ranges(self) -> list[tuple[int, int]]:
        ranges = sorted(
            (r.top(), r.bottom()) for r in self.table.selectionModel().selection().toList()
        )
        merged: list[tuple[int, int]] = []
        for top, bottom in ranges:
            if merged and top <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
            else:
                merged.append((top, bottom))
        return merged

    def selected_count(self) -> int:
        return sum(bottom - top + 1 for top, bottom in self.selected_ranges())

    def _selection_changed(self, *_args: object) -> None:
        count = self.selected_count()
        running = self._bulk is not None and self._bulk.running
        self.bulk_bar.setVisible(count > 0 or running)
        if count:
            self.bulk_bar.count_label.setText(f"{noun(self.kind, count)} selected")

    def with_selected_ids(self, then: Callable[[list[uuid.UUID]], Any]) -> Operation | None:
        """Call ``then`` with the ids of the selected rows (read in a worker when the
        selection reaches rows not loaded)."""
        ranges = self.selected_ranges()
        if not ranges:
            return None
        loaded = self.model.loaded_rows()
        positions = [p for top, bottom in ranges for p in range(top, min(bottom, top + 5000) + 1)]
        if self.selected_count() <= 5000 and all(p in loaded for p in positions):
            then(list(dict.fromkeys(loaded[p].id for p in positions)))
            return None
        return Operation(
            self, self.model.ids_job(ranges), on_success=then, title="read the selection"
        ).run()

    # ----------------------------------------------------------------- bulk actions

    def run_bulk(
        self, verb: str, work: Callable[[list[uuid.UUID], Task], Any], *, after: Any = None
    ) -> Operation | None:
        """Run a bulk action over the selection in a worker, with progress and cancel."""

        def start(ids: list[uuid.UUID]) -> None:
            if not ids:
                return
            self.bulk_bar.set_running(True, f"{verb}…")
            self.bulk_bar.show()
            operation = Operation(
                self,
                lambda task: work(ids, task),
                on_success=lambda result: self._bulk_done(verb, result, after),
                title=verb.lower(),
            )
            operation.progressed.connect(self.bulk_bar.show_progress)
            operation.finished.connect(self._bulk_finished)
            self._bulk = operation
            operation.run()

        return self.with_selected_ids(start) or self._bulk

    def _bulk_finished(self) -> None:
        self.bulk_bar.set_running(False)
        self._bulk = None
        self._selection_changed()

    def _cancel_bulk(self) -> None:
        if self._bulk is not None:
            self._bulk.cancel()

    def _bulk_done(self, verb: str, result: Any, after: Any) -> None:
        self.context.records_changed.emit(_TABLE[self.kind])
        word = NOUN_PLURAL[self.kind] if result.total != 1 else NOUN_SINGULAR[self.kind]
        self.context.message.emit(f"{result.summary(verb)} {word}")
        if after is not None:
            after(result)
        if result.refused:
            lines = [f"• {name}: {reason}" for name, reason in result.refused[:8]]
            more = len(result.refused) - 8
            if more > 0:
                lines.append(f"…and {more} more.")
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                f"{verb}: some records were refused",
                f"{len(result.refused)} of {result.total} could not be changed:\n\n"
                + "\n".join(lines),
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setObjectName("BulkRefusals")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            self.last_refusals = box

    def assign_owner(self, owner_id: uuid.UUID) -> Operation | None:
        from desktopcrm.models import User
        from desktopcrm.services import bulk_actions

        actor, kind = self.context.user, self.kind

        def work(ids: list[uuid.UUID], task: Task) -> Any:
            owner = User.get_by_id(owner_id)
            return bulk_actions.assign_owner(
                actor, kind, ids, owner, progress=task.progress, check=task.check_cancelled
            )

        return self.run_bulk("Assigned", work)

    def add_tags(self, names: list[str], *, remove: bool = False) -> Operation | None:
        from desktopcrm.services import bulk_actions

        actor, kind = self.context.user, self.kind
        action = bulk_actions.remove_tags if remove else bulk_actions.add_tags

        def work(ids: list[uuid.UUID], task: Task) -> Any:
            return action(
                actor, kind, ids, names, progress=task.progress, check=task.check_cancelled
            )

        return self.run_bulk("Untagged" if remove else "Tagged", work)

    def set_status(self, status_id: uuid.UUID) -> Operation | None:
        from desktopcrm.models.records import LeadStatus
        from desktopcrm.services import bulk_actions

        actor = self.context.user

        def work(ids: list[uuid.UUID], task: Task) -> Any:
            status = LeadStatus.get_by_id(status_id)
            return bulk_actions.set_lead_status(
                actor, ids, status, progress=task.progress, check=task.check_cancelled
            )

        return self.run_bulk("Changed the status of", work)

    def move_to_stage(
        self, stage_id: uuid.UUID, reason_id: Any = None, note: str = ""
    ) -> Operation | None:
        from desktopcrm.models.records import LossReason, Stage
        from desktopcrm.services import bulk_actions

        actor = self.context.user

        def work(ids: list[uuid.UUID], task: Task) -> Any:
            stage = Stage.get_by_id(stage_id)
            reason = LossReason.get_by_id(reason_id) if reason_id is not None else None
            return bulk_actions.move_deals(
                actor,
                ids,
                stage,
                reason,
                note,
                progress=task.progress,
                check=task.check_cancelled,
            )

        return self.run_bulk("Moved", work)

    def delete_selection(self) -> Operation | None:
        """Delete the selected records (soft delete), offering to undo it."""
        from desktopcrm.services import bulk_actions

        if self._bulk is not None or not self.selected_ranges():
            return None
        actor, kind = self.context.user, self.kind

        def work(ids: list[uuid.UUID], task: Task) -> Any:
            return bulk_actions.delete_records(
                actor, kind, ids, progress=task.progress, check=task.check_cancelled
            )

        def offer_undo(result: Any) -> None:
            self._deleted = list(result.done)
            if result.done:
                self.undo_bar.offer(f"Deleted {noun(self.kind, len(result.done))}.")

        return self.run_bulk("Deleted", work, after=offer_undo)

    def undo_delete(self) -> Operation | None:
        """Bring back what the last delete removed."""
        from desktopcrm.services import bulk_actions

        ids, actor, kind = list(self._deleted), self.context.user, self.kind
        if not ids or self._bulk is not None:
            return None
        self._deleted = []
        self.undo_bar.hide()
        self.bulk_bar.set_running(True, "Restoring…")
        self.bulk_bar.show()

        def done(result: Any) -> None:
            self.context.records_changed.emit(_TABLE[kind])
            self.context.message.emit(f"Restored {noun(kind, len(result.done))}")

        operation = Operation(
            self,
            lambda task: bulk_actions.restore_records(
                actor, kind, ids, progress=task.progress, check=task.check_cancelled
            ),
            on_success=done,
            title="undo the delete",
        )
        operation.progressed.connect(self.bulk_bar.show_progress)
        operation.finished.connect(self._bulk_finished)
        self._bulk = operation
        return operation.run()

    def export(self, *, selection: bool, path: str | None = None) -> Operation | None:
        """Export the selection (or the whole list, as filtered) to a CSV file."""
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Export to CSV",
                f"{NOUN_PLURAL[self.kind]}.csv",
                "CSV files (*.csv)",
            )
            if not path:
                return None
        target, actor = path, self.context.user
        export_kind = EXPORT_KIND[self.kind]
        kind, context = self.kind, self.context

        def write(ids: list[uuid.UUID]) -> None:
            from desktopcrm.services import export as export_service
            from desktopcrm.services import job_notifications
            from desktopcrm.views.notifications.posting import Posted

            posted = Posted()

            def work(task: Task) -> int:
                try:
                    with open(target, "w", encoding="utf-8-sig", newline="") as out:
                        written = export_service.export_csv(
                            actor,
                            export_kind,
                            out,
                            ids=ids,
                            progress=lambda n: task.progress(n, len(ids)),
                        )
                except Exception as exc:
                    what = NOUN_PLURAL[kind]
                    posted.run(
                        job_notifications.export_failed, actor, what, target, failure_text(exc)
                    )
                    raise
                posted.run(job_notifications.export_finished, actor, noun(kind, written), target)
                return written

            operation = Operation(
                self,
                work,
                on_success=lambda n: context.message.emit(f"Exported {noun(kind, n)} to {target}"),
                title="export to CSV",
            )
            operation.finished.connect(lambda: posted.deliver(context))
            self.exporting = operation.run()

        if selection:
            return self.with_selected_ids(write)
        spec = replace(self.current_spec(), columns=())
        user = self.context.user

        def everything(_task: Task) -> list[uuid.UUID]:
            from desktopcrm.services.lists import ListQuery

            return ListQuery(user, spec).ids_in_order()

        return Operation(self, everything, on_success=write, title="read the list").run()

    # ----------------------------------------------------------------- menus

    def _fill_owner_menu(self) -> None:
        menu = self.bulk_bar.owner_button.menu()
        menu.clear()
        me = self.context.user.id
        users = sorted(self.model.lookups.active_users, key=lambda u: (u[0] != me, u[1]))
        for user_id, name in users:
            action = menu.addAction(f"{name} (me)" if user_id == me else name)
            action.triggered.connect(lambda _=False, uid=user_id: self.assign_owner(uid))

    def _fill_tag_menu(self) -> None:
        menu = self.bulk_bar.tag_button.menu()
        menu.clear()
        menu.addAction("Add tags…").triggered.connect(lambda: self._ask_tags(remove=False))
        menu.addAction("Remove tags…").triggered.connect(lambda: self._ask_tags(remove=True))

    def _ask_tags(self, *, remove: bool) -> None:
        from desktopcrm.views.lists.dialogs import TagDialog

        dialog = TagDialog(
            "Remove tags" if remove else "Add tags",
            list(self.model.lookups.tag_colours),
            f"{noun(self.kind, self.selected_count())}",
            self,
        )
        dialog.setObjectName("TagDialog")
        dialog.accepted.connect(lambda: self.add_tags(dialog.names, remove=remove))
        dialog.open()

    def _fill_status_menu(self) -> None:
        menu = self.bulk_bar.status_button.menu()
        menu.clear()
        lookups = self.model.lookups
        if self.kind == "lead":
            for status_id, chip in lookups.lead_statuses.items():
                menu.addAction(chip.text).triggered.connect(
                    lambda _=False, sid=status_id: self.set_status(sid)
                )
            return
        pipeline = None
        for stage_id, name, kind, pipeline_name in lookups.stage_list:
            if pipeline_name != pipeline and len(lookups.pipelines) > 1:
                menu.addSection(pipeline_name)
            pipeline = pipeline_name
            menu.addAction(name).triggered.connect(
                lambda _=False, sid=stage_id, k=kind, n=name: self._choose_stage(sid, k, n)
            )

    def _choose_stage(self, stage_id: uuid.UUID, kind: str, name: str) -> None:
        if kind not in ("lost", "unqualified"):
            self.move_to_stage(stage_id)
            return
        from desktopcrm.services import pipelines
        from desktopcrm.views.lists.dialogs import ReasonDialog

        reasons = [(r.name, r.id) for r in pipelines.loss_reasons(kind)]
        dialog = ReasonDialog(name, reasons, noun(self.kind, self.selected_count()), self)
        dialog.setObjectName("ReasonDialog")
        dialog.accepted.connect(lambda: self.move_to_stage(stage_id, dialog.reason, dialog.note))
        dialog.open()

    def show_failure(self, title: str, error: BaseException) -> None:
        show_failure(self, title, error)


NOUN_PLURAL = {"lead": "leads", "person": "people", "company": "companies", "deal": "deals"}
NOUN_SINGULAR = {"lead": "lead", "person": "person", "company": "company", "deal": "deal"}
SCREEN_ICON = {"lead": "leads", "person": "contacts", "company": "companies", "deal": "deals"}


class LeadsScreen(ListScreen):
    KIND = "lead"
    TITLE = "Leads"


class ContactsScreen(ListScreen):
    KIND = "person"
    TITLE = "Contacts"


class CompaniesScreen(ListScreen):
    KIND = "company"
    TITLE = "Companies"


class DealsScreen(ListScreen):
    KIND = "deal"
    TITLE = "Deals"
