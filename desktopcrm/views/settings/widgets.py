"""Building blocks shared by the settings sections: a scrolling page, cards, field rows."""

from __future__ import annotations

from desktopcrm.qt import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QShowEvent,
    Qt,
    QVBoxLayout,
    QWidget,
)

PAGE_MAX_WIDTH = 860


class SectionPage(QScrollArea):
    """A titled, scrolling page; add cards with ``add``."""

    def __init__(self, title: str, intro: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("ScrollBody")
        self.setWidget(body)
        outer = QHBoxLayout(body)
        outer.setContentsMargins(32, 24, 32, 32)
        column = QWidget()
        column.setMaximumWidth(PAGE_MAX_WIDTH)
        outer.addWidget(column, 1)
        outer.addStretch(0)
        self.layout_ = QVBoxLayout(column)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(16)
        self._finished = False
        heading = QLabel(title)
        heading.setObjectName("SectionTitle")
        self.layout_.addWidget(heading)
        if intro:
            text = QLabel(intro)
            text.setObjectName("SectionIntro")
            text.setWordWrap(True)
            self.layout_.addWidget(text)

    def add(self, widget: QWidget) -> QWidget:
        self.layout_.addWidget(widget)
        return widget

    def showEvent(self, event: QShowEvent) -> None:
        if not self._finished:
            self.layout_.addStretch(1)
            self._finished = True
        super().showEvent(event)


class Card(QFrame):
    """A rounded surface with a title; its ``body`` is a vertical layout."""

    def __init__(self, title: str = "", subtitle: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(20, 16, 20, 18)
        self.body.setSpacing(12)
        if title:
            label = QLabel(title)
            label.setObjectName("CardTitle")
            self.body.addWidget(label)
        if subtitle:
            sub = QLabel(subtitle)
            sub.setObjectName("Muted")
            sub.setWordWrap(True)
            self.body.addWidget(sub)


def field_form() -> QFormLayout:
    form = QFormLayout()
    form.setHorizontalSpacing(24)
    form.setVerticalSpacing(10)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


def field_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("FieldLabel")
    return label


def value_label(text: str = "", *, selectable: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName("FieldValue")
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def note(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("Note")
    label.setWordWrap(True)
    return label
