"""The page of one lead, person, company or deal.

Loading (the record, custom values, notes, documents, related records, timeline) runs in an
``Operation``; the page then shows editable fields (saved together with Save or Ctrl+S, each
refusal shown under its field), custom fields, the status card, related records, tags,
documents, notes and the timeline. When the change log says something changed
(``records_changed`` / ``database_changed``) the page reloads and refreshes every field the
user has not edited; edits are based on the version first loaded, so a save over someone
else's change of the same field raises ``StaleRecordError`` and opens the conflict dialog.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from desktopcrm.models.errors import DatabaseError, StaleRecordError
from desktopcrm.models.records import Contact, Deal, Lead, RecordKind
from desktopcrm.qt import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPushButton,
    QScrollArea,
    QShortcut,
    QShowEvent,
    QStackedWidget,
    Qt,
    QTabBar,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services import record_details
from desktopcrm.services.errors import ServiceError, ValidationError
from desktopcrm.services.record_details import RecordDetails
from desktopcrm.views.context import AppContext
from desktopcrm.views.mail.record_mail import MailCard
from desktopcrm.views.operations import Operation, failure_text
from desktopcrm.views.record.conflict_dialog import ConflictDialog, ConflictRow
from desktopcrm.views.record.documents_panel import DocumentsPanel
from desktopcrm.views.record.editors import (
    ComboEditor,
    Editor,
    LineEditor,
    ParagraphEditor,
    custom_editor,
    custom_raw,
    custom_text,
)
from desktopcrm.views.record.fields import (
    PRIORITY_CHOICES,
    FieldSpec,
    raw_of,
    service_value,
    specs_for,
)
from desktopcrm.views.record.form import CompanyEditor, FieldGrid
from desktopcrm.views.record.notes_panel import NotesPanel
from desktopcrm.views.record.related_panel import RelatedPanel
from desktopcrm.views.record.schedule_panel import SchedulePanel
from desktopcrm.views.record.status_panel import StatusPanel
from desktopcrm.views.record.style import apply_record_style
from desktopcrm.views.record.tags_panel import TagsPanel
from desktopcrm.views.record.timeline_view import TimelineView
from desktopcrm.views.record.widgets import Card, local_time

log = logging.getLogger("desktopcrm.views.record")

RELOAD_DELAY_MS = 200


def kind_word(record: Any) -> str:
    """Lead, Person, Company or Deal."""
    if isinstance(record, Lead):
        return "Lead"
    if isinstance(record, Contact):
        return "Company" if record.is_company else "Person"
    return "Deal"


class RecordPage(QWidget):
    """Args:
    context: the workspace; its signals refresh the page.
    kind: a ``RecordKind`` value ('lead', 'contact' or 'deal').
    record_id: the record's id (text or UUID).
    """

    title_changed = Signal(str)
    back_requested = Signal()
    loaded = Signal()

    def __init__(
        self,
        context: AppContext,
        kind: str,
        record_id: str | uuid.UUID,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.kind = RecordKind(kind)
        self.record_id = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(record_id)
        self.setObjectName("RecordPage")
        apply_record_style(self, context)
        self.details: RecordDetails | None = None
        self.base: Any = None  # the copy edits are based on (its version decides conflicts)
        self.title = ""
        self.problem = ""
        self.deleted_record: Any = None
        self.conflict_dialog: ConflictDialog | None = None
        self.operation: Operation | None = None
        self._again = False
        self._stale = False
        self._specs: tuple[FieldSpec, ...] = ()
        self._custom_keys: list[tuple[str, Any]] = []

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._header())
        self.notice = QFrame()
        self.notice.setObjectName("PageNotice")
        self.notice.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        notice_row = QHBoxLayout(self.notice)
        notice_row.setContentsMargins(28, 8, 20, 8)
        self.notice_text = QLabel()
        self.notice_text.setWordWrap(True)
        notice_row.addWidget(self.notice_text, 1)
        self.undo_button = QPushButton("Undo")
        self.undo_button.setObjectName("UndoDelete")
        self.undo_button.clicked.connect(self.undo_delete)
        notice_row.addWidget(self.undo_button)
        self.notice.hide()
        outer.addWidget(self.notice)

        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("ScrollBody")
        self.scroller.setWidget(body)
        columns = QHBoxLayout(body)
        columns.setContentsMargins(28, 20, 28, 28)
        columns.setSpacing(20)
        self.left = QVBoxLayout()
        self.left.setSpacing(16)
        self.right = QVBoxLayout()
        self.right.setSpacing(16)
        columns.addLayout(self.left, 3)
        columns.addLayout(self.right, 2)
        self._build_cards()
        self.left.addStretch(1)
        self.right.addStretch(1)
        self.placeholder = QLabel("Loading…")
        self.placeholder.setObjectName("PagePlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.scroller)
        outer.addWidget(self.stack, 1)
        outer.addWidget(self._save_bar())

        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RELOAD_DELAY_MS)
        self._timer.timeout.connect(self.reload)
        context.records_changed.connect(self._schedule)
        context.database_changed.connect(self._schedule)
        context.database_reopened.connect(self._schedule)
        context.user_changed.connect(self._schedule)
        self.reload()

    # ---- layout ------------------------------------------------------------

    def _header(self) -> QWidget:
        header = QFrame()
        header.setObjectName("RecordHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(header)
        row.setContentsMargins(20, 14, 24, 14)
        row.setSpacing(14)
        self.back_button = QPushButton("‹  Back")
        self.back_button.setObjectName("BackButton")
        self.back_button.setProperty("flat", True)
        self.back_button.setToolTip("Back (Alt+Left)")
        self.back_button.setAccessibleName("Back")
        self.back_button.clicked.connect(self.back_requested)
        row.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        top = QHBoxLayout()
        top.setSpacing(10)
        self.kind_badge = QLabel()
        self.kind_badge.setObjectName("KindBadge")
        top.addWidget(self.kind_badge)
        self.title_label = QLabel()
        self.title_label.setObjectName("RecordTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title_label, 1)
        titles.addLayout(top)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("RecordSubtitle")
        self.subtitle.setWordWrap(True)
        titles.addWidget(self.subtitle)
        row.addLayout(titles, 1)
        self.convert_button = QPushButton("Convert…")
        self.convert_button.setObjectName("ConvertButton")
        self.convert_button.setProperty("primary", True)
        self.convert_button.setToolTip("Turn this lead into a contact (and company, and deal)")
        self.convert_button.clicked.connect(self.convert)
        self.convert_button.hide()
        row.addWidget(self.convert_button, 0, Qt.AlignmentFlag.AlignTop)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("DeleteButton")
        self.delete_button.setProperty("danger", True)
        self.delete_button.clicked.connect(self.delete)
        self.delete_button.setEnabled(False)
        row.addWidget(self.delete_button, 0, Qt.AlignmentFlag.AlignTop)
        return header

    def _build_cards(self) -> None:
        context = self._context
        self.details_card = Card("Details")
        self.form = FieldGrid()
        self.details_card.body.addWidget(self.form)
        self.left.addWidget(self.details_card)
        self.custom_card = Card("Custom fields")
        self.custom_form = FieldGrid()
        self.custom_card.body.addWidget(self.custom_form)
        self.custom_card.hide()
        self.left.addWidget(self.custom_card)
        self.activity_card = Card()
        self.tabs = QTabBar()
        self.tabs.setObjectName("Segments")
        self.tabs.setAccessibleName("Notes or activity")
        self.tabs.addTab("Notes")
        self.tabs.addTab("Activity")
        self.tabs.setExpanding(False)
        self.activity_card.body.addWidget(self.tabs, 0, Qt.AlignmentFlag.AlignLeft)
        self.activity = QStackedWidget()
        self.notes = NotesPanel(context)
        self.timeline = TimelineView()
        self.activity.addWidget(self.notes)
        self.activity.addWidget(self.timeline)
        self.tabs.currentChanged.connect(self.activity.setCurrentIndex)
        self.activity_card.body.addWidget(self.activity)
        self.left.addWidget(self.activity_card)
        self.status_panel = StatusPanel(context)
        self.related = RelatedPanel(context)
        self.schedule = SchedulePanel(context)
        self.tags = TagsPanel(context)
        self.documents = DocumentsPanel(context)
        self.mail = MailCard(context)
        for card in (
            self.status_panel,
            self.schedule,
            self.mail,
            self.related,
            self.tags,
            self.documents,
        ):
            self.right.addWidget(card)
        for panel in self._panels():
            panel.saved.connect(self._saved_elsewhere)
        self.form.dirty_changed.connect(self._dirty_changed)
        self.custom_form.dirty_changed.connect(self._dirty_changed)

    def _panels(self) -> list[Any]:
        return [self.status_panel, self.related, self.tags, self.documents, self.notes]

    def _save_bar(self) -> QWidget:
        bar = QFrame()
        bar.setObjectName("SaveBar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(bar)
        row.setContentsMargins(28, 10, 24, 10)
        row.setSpacing(10)
        self.save_text = QLabel()
        self.save_text.setObjectName("SaveBarText")
        self.save_text.setWordWrap(True)
        row.addWidget(self.save_text, 1)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self.discard)
        row.addWidget(self.discard_button)
        self.save_button = QPushButton("Save changes")
        self.save_button.setObjectName("SaveButton")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        bar.hide()
        self.save_bar = bar
        return bar

    # ---- loading -----------------------------------------------------------

    def _schedule(self, *_args: object) -> None:
        if self.isVisible():
            self._timer.start()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._timer.start()

    def reload(self) -> Operation | None:
        """Read the record again in the background (edits in progress are kept)."""
        if not self._context.database_open:
            return None
        if self.details is not None and not self.isVisible():
            self._stale = True  # read again when shown
            return None
        if self.operation is not None and self.operation.running:
            self._again = True
            return self.operation
        user, kind, record_id = self._context.user, self.kind, self.record_id
        self.operation = Operation(
            self,
            lambda _task: record_details.load_details(user, kind, record_id),
            on_success=self._loaded,
            on_failure=self._failed,
            title="open the record",
        ).run()
        return self.operation

    def _finished_loading(self) -> bool:
        if self._again:
            self._again = False
            QTimer.singleShot(0, self.reload)
            return False
        return True

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, ServiceError | DatabaseError):
            if not self._context.database_open or not self.isVisible():
                log.warning("could not load a hidden record page: %s", error)
                return
            raise error
        self.problem = str(error)
        if self.deleted_record is None:
            self.placeholder.setText(str(error))
            self.stack.setCurrentWidget(self.placeholder)
            self.delete_button.setEnabled(False)
            self.convert_button.hide()
        if self._finished_loading():
            self.loaded.emit()

    def _loaded(self, details: RecordDetails) -> None:
        self.problem = ""
        record = details.record
        first = self.details is None
        self.details = details
        dirty = self.is_dirty()
        if not dirty or self.base is None:
            self.base = record
        if first:
            self._build_form(details)
        changed_under = False
        for spec in self._specs:
            if spec.editor == "owner":
                editor = self.form.rows[spec.name].editor
                assert isinstance(editor, ComboEditor)
                editor.set_items([(user.name, user.id) for user in details.owners])
                if getattr(record, "owner_id", None) is None:
                    editor.combo.insertItem(0, "Nobody", None)
            changed_under |= self.form.set_initial(spec.name, raw_of(record, spec))
        self._sync_custom(details)
        for key, kind in self._custom_keys:
            raw = custom_raw(kind, details.custom_values.get(key))
            changed_under |= self.custom_form.set_initial(key, raw)
        if changed_under:
            who = _last_editor(details)
            self.show_notice(
                f"{who} changed this record while you were editing it. Your edits are kept; "
                "saving will show what they changed and let you choose."
            )
        read_only = isinstance(record, Lead) and record.converted_at is not None
        self.form.set_read_only(read_only)
        self.custom_form.set_read_only(read_only)
        if read_only:
            self.show_notice(
                f"This lead was converted {local_time(record.converted_at)}. It is kept for "
                "the record; work on the contact from now on (see Converted to).",
                undo=False,
            )
        elif (
            self.deleted_record is None
            and not changed_under
            and not self.is_dirty()
            and self.notice_text.property("kind") == "info"
        ):
            self.notice.hide()
        self._update_header(details)
        for panel in self._panels():
            panel.show_details(details)
        self.schedule.show_details(details)
        self.mail.show_details(details)
        self.timeline.show_entries(details.timeline)
        self.tabs.setTabText(0, f"Notes  {len(details.notes)}" if details.notes else "Notes")
        self.stack.setCurrentWidget(self.scroller)
        self._dirty_changed()
        if self._finished_loading():
            self.loaded.emit()

    def _build_form(self, details: RecordDetails) -> None:
        self._specs = specs_for(details.record)
        for spec in self._specs:
            editor: Editor
            if spec.editor == "paragraph":
                editor = ParagraphEditor(spec.placeholder)
            elif spec.editor == "owner":
                editor = ComboEditor()
            elif spec.editor == "priority":
                editor = ComboEditor(PRIORITY_CHOICES)
            elif spec.editor == "company":
                editor = CompanyEditor(self._context, spec.placeholder)
            else:
                editor = LineEditor(spec.placeholder)
            self.form.add_row(spec.name, spec.label, editor, wide=spec.wide)

    def _sync_custom(self, details: RecordDetails) -> None:
        wanted = [(f.key, f.type_enum) for f in details.custom_fields]
        if wanted == self._custom_keys:
            return
        edits = self.custom_form.edits()
        self.custom_form.clear()
        for field in details.custom_fields:
            editor = custom_editor(field, details.custom_options.get(field.id, []))
            label = field.name + (" *" if field.required else "")
            wide = field.type_enum.value in ("paragraph", "address", "multiselect")
            self.custom_form.add_row(field.key, label, editor, wide=wide)
        self._custom_keys = wanted
        for key, raw in edits.items():
            if key in self.custom_form.rows:
                self.custom_form.rows[key].editor.set_raw(raw)
        self.custom_card.setVisible(bool(wanted))

    def _update_header(self, details: RecordDetails) -> None:
        record = details.record
        self.title = details.title
        self.kind_badge.setText(kind_word(record))
        self.title_label.setText(self.title)
        self.subtitle.setText(_subtitle(details))
        is_lead = isinstance(record, Lead)
        self.convert_button.setVisible(is_lead and record.converted_at is None)
        self.delete_button.setEnabled(self.deleted_record is None)
        self.delete_button.setAccessibleName(f"Delete this {kind_word(record).lower()}")
        self.setAccessibleName(f"{kind_word(record)} {self.title}")
        self.title_changed.emit(self.title)

    # ---- editing -----------------------------------------------------------

    def is_dirty(self) -> bool:
        return bool(self.form.edits() or self.custom_form.edits())

    def _dirty_changed(self, *_args: object) -> None:
        count = len(self.form.edits()) + len(self.custom_form.edits())
        if count:
            self.save_text.setProperty("error", False)
            self.save_text.setText(
                f"{count} unsaved change{'s' if count != 1 else ''}" + "  ·  Ctrl+S to save"
            )
        self.save_bar.setVisible(bool(count) or self.save_text.property("error") is True)
        self._repolish(self.save_text)

    def _bar_error(self, text: str) -> None:
        self.save_text.setProperty("error", True)
        self.save_text.setText(text)
        self._repolish(self.save_text)
        self.save_bar.show()

    @staticmethod
    def _repolish(widget: QWidget) -> None:
        widget.style().unpolish(widget)
        widget.style().polish(widget)

    def discard(self) -> None:
        """Drop every unsaved edit and show the saved values."""
        self.form.discard()
        self.custom_form.discard()
        if self.details is not None:
            self.base = self.details.record
        self.save_text.setProperty("error", False)
        self._dirty_changed()
        self.reload()

    def save(self) -> bool:
        """Save the edited fields; a refusal is shown under its field. Returns success."""
        if self.details is None or self.base is None or self.deleted_record is not None:
            return False
        edits = self.form.edits()
        custom = self.custom_form.edits()
        if not edits and not custom:
            return True
        self.form.clear_errors()
        self.custom_form.clear_errors()
        self.save_text.setProperty("error", False)
        owners = {user.id: user for user in self.details.owners}
        specs = {spec.name: spec for spec in self._specs}
        changes: dict[str, Any] = {}
        for name, raw in edits.items():
            spec = specs[name]
            if spec.editor == "company" and isinstance(raw, str):
                self.form.show_error(
                    name, "Pick the company from the suggestions, or clear the field."
                )
                return False
            changes[name] = service_value(spec, raw, owners)
        try:
            saved = record_details.update(self._context.user, self.base, changes, custom or None)
        except ValidationError as error:
            if not (
                self.form.show_error(error.field, str(error))
                or self.custom_form.show_error(error.field, str(error))
            ):
                self._bar_error(str(error))
            return False
        except StaleRecordError as error:
            self._conflict(error, edits, custom)
            return False
        except (ServiceError, DatabaseError) as error:
            self._bar_error(failure_text(error))
            return False
        self.base = saved
        for key in edits:
            self.form.rows[key].initial = self.form.rows[key].editor.raw()
        for key in custom:
            self.custom_form.rows[key].initial = self.custom_form.rows[key].editor.raw()
        self._dirty_changed()
        self._context.message.emit(f"Saved {self.title}")
        self._context.records_changed.emit(saved._meta.table_name)
        if self.notice.isVisible() and self.deleted_record is None:
            self.notice.hide()
        return True

    def _saved_elsewhere(self, table: str) -> None:
        self._context.records_changed.emit(table)

    # ---- conflicts ---------------------------------------------------------

    def _conflict(
        self, error: StaleRecordError, edits: dict[str, Any], custom: dict[str, Any]
    ) -> None:
        specs = {spec.name: spec for spec in self._specs}
        rows = []
        theirs_custom: dict[str, Any] | None = None
        fields = {field.key: field for field in self.details.custom_fields} if self.details else {}
        for name in error.changed_fields:
            field = fields.get(name.removeprefix("custom.")) if name.startswith("custom.") else None
            if field is not None and self.details is not None:
                if theirs_custom is None:
                    theirs_custom = record_details.custom_values(self.details.record)
                theirs = custom_text(custom_raw(field.type_enum, theirs_custom.get(field.key)))
                yours = custom_text(custom[field.key]) if field.key in custom else None
                rows.append(ConflictRow(name, field.name, theirs, yours))
                continue
            spec = specs.get(name)
            if spec is None and name == "name" and "first_name" in specs:
                continue
            if spec is None:
                continue
            theirs = self._display(spec, error.current.get(name))
            yours = self._display_raw(spec, edits[name]) if name in edits else None
            rows.append(ConflictRow(name, spec.label, theirs, yours))
        what = kind_word(self.details.record if self.details else None).lower()
        dialog = ConflictDialog(error, rows, what, self)
        dialog.finished.connect(lambda _r: self._resolved(dialog, rows))
        self.conflict_dialog = dialog
        dialog.open()

    def _resolved(self, dialog: ConflictDialog, rows: list[ConflictRow]) -> None:
        self.conflict_dialog = None
        dialog.deleteLater()
        if dialog.result() != QDialog.DialogCode.Accepted:
            self._bar_error(
                "Not saved: someone else changed this record. Save again to choose what to keep."
            )
            return
        try:
            fresh = record_details.get_record(self._context.user, self.kind, self.record_id)
        except ServiceError as error:
            self.form.discard()
            self.custom_form.discard()
            self._bar_error(str(error))
            self.reload()
            return
        if dialog.deleted:
            self.discard()
            return
        self.base = fresh
        conflicting = {row.key for row in rows if row.yours is not None}
        for spec in self._specs:
            keep = spec.name not in conflicting or spec.name in dialog.keep_mine
            self.form.set_initial(spec.name, raw_of(fresh, spec), keep_edit=keep)
        fresh_custom = record_details.custom_values(fresh)
        for key, kind in self._custom_keys:
            name = f"custom.{key}"
            keep = name not in conflicting or name in dialog.keep_mine
            raw = custom_raw(kind, fresh_custom.get(key))
            self.custom_form.set_initial(key, raw, keep_edit=keep)
        if self.is_dirty():
            self.save()
        else:
            self._dirty_changed()
            self.reload()

    def _display(self, spec: FieldSpec, value: Any) -> str:
        if value is None or value == "":
            return ""
        if spec.editor == "owner" and self.details is not None:
            return self.details.user_names.get(_as_uuid(value), "someone")
        if spec.editor == "company":
            company = Contact.get_or_none(Contact.id == _as_uuid(value))
            return company.display_name if company else ""
        if spec.editor == "priority":
            return dict((d, label) for label, d in PRIORITY_CHOICES).get(value, str(value))
        if spec.editor == "money":
            return f"{value:.2f}" if not isinstance(value, str) else value
        return str(value)

    def _display_raw(self, spec: FieldSpec, raw: Any) -> str:
        if spec.editor == "owner" and self.details is not None:
            return self.details.user_names.get(raw, "Nobody") if raw else "Nobody"
        if spec.editor == "company" and not isinstance(raw, str):
            return self._display(spec, raw)
        if spec.editor == "priority":
            return self._display(spec, raw)
        return "" if raw is None else str(raw)

    # ---- commands ----------------------------------------------------------

    def delete(self) -> None:
        """Delete the record (soft); the notice offers Undo."""
        if self.details is None:
            return
        record = self.details.record
        fresh = type(record).get_by_id(record.id)
        try:
            record_details.delete(self._context.user, fresh)
        except (ServiceError, DatabaseError) as error:
            self._bar_error(failure_text(error))
            return
        self.deleted_record = fresh
        word = kind_word(record).lower()
        self.show_notice(f"This {word} was deleted.", undo=True)
        self.delete_button.setEnabled(False)
        self.form.set_read_only(True)
        self.custom_form.set_read_only(True)
        self.save_bar.hide()
        self._context.message.emit(f"Deleted {self.title}")
        self._context.records_changed.emit(record._meta.table_name)

    def undo_delete(self) -> None:
        if self.deleted_record is None:
            return
        try:
            record_details.restore(self._context.user, self.deleted_record)
        except (ServiceError, DatabaseError) as error:
            self._bar_error(failure_text(error))
            return
        table = self.deleted_record._meta.table_name
        self.deleted_record = None
        self.notice.hide()
        self.form.set_read_only(False)
        self.custom_form.set_read_only(False)
        self._context.message.emit(f"Restored {self.title}")
        self._context.records_changed.emit(table)
        self.reload()

    def show_notice(self, text: str, *, undo: bool = False) -> None:
        self.notice_text.setText(text)
        self.notice_text.setProperty("kind", "undo" if undo else "info")
        self.undo_button.setVisible(undo)
        self.notice.show()

    def convert(self) -> None:
        if self.details is None or not isinstance(self.details.record, Lead):
            return
        from desktopcrm.views.record.convert_dialog import ConvertLeadDialog

        dialog = ConvertLeadDialog(self._context, self.details.record, self)
        self.convert_dialog = dialog
        dialog.open()


def _as_uuid(value: Any) -> Any:
    if isinstance(value, uuid.UUID) or value is None:
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return value


def _last_editor(details: RecordDetails) -> str:
    for entry in details.timeline:
        return entry.who
    return "Someone"


def _subtitle(details: RecordDetails) -> str:
    record = details.record
    parts: list[str] = []
    if isinstance(record, Lead):
        job = record.title
        if record.company_name:
            job = f"{job} at {record.company_name}" if job else record.company_name
        parts += [job, record.email, record.phone]
    elif isinstance(record, Contact):
        if record.is_company:
            parts += [record.website, record.city, record.phone]
        else:
            job = record.title
            company = next(
                (s.items[0].title for s in details.related if s.title == "Company" and s.items),
                "",
            )
            if company:
                job = f"{job} at {company}" if job else company
            parts += [job, record.email, record.phone]
    elif isinstance(record, Deal):
        stage = next((c for c in details.stages if c.stage.id == record.stage_id), None)
        parts += [
            f"{record.value:,.2f} {record.currency}",
            f"{stage.pipeline.name} › {stage.stage.name}" if stage else "",
        ]
    parts.append(f"Owner: {details.owner_name}")
    return "  ·  ".join(part for part in parts if part)
