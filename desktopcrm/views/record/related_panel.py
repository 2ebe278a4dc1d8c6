"""Records linked to the page's record: a company's employees (the primary contacts of its
deals starred), a contact's deals and company, a deal's contacts and lead. A click opens the
linked record's page; on a deal, contacts can be added, starred as primary or removed."""

from __future__ import annotations

from desktopcrm.models.records import Contact, Deal, RecordKind
from desktopcrm.qt import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.errors import ServiceError
from desktopcrm.services.record_details import RecordDetails, RelatedRecord, RelatedSection
from desktopcrm.views.context import AppContext
from desktopcrm.views.record.picker import PickedRecord, RecordPicker
from desktopcrm.views.record.widgets import Card, error_label


class RelatedRow(QWidget):
    def __init__(self, item: RelatedRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item = item
        self.setObjectName("RelatedRow")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(8)
        self.row_layout = layout
        self.star = QLabel("★" if item.starred else "")
        self.star.setObjectName("Star")
        self.star.setFixedWidth(14)
        if item.starred:
            self.star.setToolTip(item.star_hint or "Primary contact")
            self.star.setAccessibleName(item.star_hint or "Primary contact")
        layout.addWidget(self.star, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(0)
        self.link = QPushButton(item.title)
        self.link.setObjectName("RecordLink")
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.link.setAccessibleName(
            f"Open {item.title}" + (f" ({item.star_hint})" if item.starred else "")
        )
        column.addWidget(self.link, 0, Qt.AlignmentFlag.AlignLeft)
        if item.subtitle:
            sub = QLabel(item.subtitle)
            sub.setObjectName("RowSubtitle")
            column.addWidget(sub)
        layout.addLayout(column, 1)
        self.menu_button: QToolButton | None = None


class RelatedPanel(Card):
    """``saved`` fires after a deal's contacts changed; links call ``context.open_record``."""

    saved = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self._context = context
        self.details: RecordDetails | None = None
        self.sections = QVBoxLayout()
        self.sections.setSpacing(14)
        self.body.addLayout(self.sections)
        self.rows: list[RelatedRow] = []
        self.picker: RecordPicker | None = None
        self.error = error_label()
        self.body.addWidget(self.error)

    def show_details(self, details: RecordDetails) -> None:
        self.details = details
        self.rows = []
        while self.sections.count():
            item = self.sections.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for section in details.related:
            self.sections.addWidget(self._section(section))
        if isinstance(details.record, Deal) and self.picker is None:
            self.picker = RecordPicker(
                self._context, ("contact", "company"), "Add a contact: type a name…"
            )
            self.picker.setAccessibleName("Add a contact to this deal")
            self.picker.picked.connect(self._attach)
            self.body.insertWidget(self.body.indexOf(self.error), self.picker)
        self.setVisible(bool(details.related) or self.picker is not None)

    def _section(self, section: RelatedSection) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        count = len(section.items) + section.more
        heading = QLabel(f"{section.title}  ·  {count}" if count else section.title)
        heading.setObjectName("PanelHeading")
        layout.addWidget(heading)
        if not section.items:
            empty = QLabel(section.empty_text or "None.")
            empty.setObjectName("Muted")
            empty.setWordWrap(True)
            layout.addWidget(empty)
        for item in section.items:
            row = RelatedRow(item)
            row.link.clicked.connect(
                lambda _c=False, i=item: self._context.open_record.emit(i.kind, i.record_id.hex)
            )
            if isinstance(self.details.record if self.details else None, Deal):
                self._deal_menu(row)
            layout.addWidget(row)
            self.rows.append(row)
        if section.more:
            more = QLabel(f"and {section.more} more")
            more.setObjectName("Muted")
            layout.addWidget(more)
        return box

    def _deal_menu(self, row: RelatedRow) -> None:
        if row.item.kind != RecordKind.CONTACT.value:
            return
        button = QToolButton()
        button.setText("⋯")
        button.setObjectName("RowMenu")
        button.setProperty("flat", True)
        button.setAccessibleName(f"Actions for {row.item.title}")
        menu = QMenu(button)
        if not row.item.starred:
            star = menu.addAction("Make primary contact")
            star.triggered.connect(lambda _c=False, i=row.item: self.make_primary(i))
        remove = menu.addAction("Remove from this deal")
        remove.triggered.connect(lambda _c=False, i=row.item: self.detach(i))
        button.setMenu(menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        row.row_layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        row.menu_button = button

    # ---- deal contacts -----------------------------------------------------

    def _deal_command(self, command: object, contact_id: object) -> None:
        from desktopcrm.services import deals

        assert self.details is not None
        self.error.hide()
        deal = Deal.get_by_id(self.details.record.id)
        contact = Contact.get_or_none(Contact.id == contact_id)
        try:
            if contact is None:
                raise ServiceError("That contact no longer exists.")
            getattr(deals, str(command))(self._context.user, deal, contact)
        except ServiceError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        self.saved.emit("deal")

    def _attach(self, picked: PickedRecord | None) -> None:
        if picked is None:
            return
        self._deal_command("attach_contact", picked.record_id)
        if self.picker is not None:
            self.picker.set_record(None)

    def make_primary(self, item: RelatedRecord) -> None:
        self._deal_command("set_primary_contact", item.record_id)

    def detach(self, item: RelatedRecord) -> None:
        self._deal_command("detach_contact", item.record_id)
