"""Paints a palette row: icon, title, a muted subtitle and the kind on the right."""

from __future__ import annotations

from desktopcrm.qt import (
    QColor,
    QIcon,
    QModelIndex,
    QPainter,
    QPersistentModelIndex,
    QRect,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
)
from desktopcrm.views.palette_model import KIND_ROLE, SUBTITLE_ROLE
from desktopcrm.views.theme import ThemeManager, tokens

ROW_HEIGHT = 40


class PaletteDelegate(QStyledItemDelegate):
    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(option.rect.width(), ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        t = tokens(ThemeManager.current_scheme())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(2, 1, -2, -1)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(t["accent_soft"]))
            painter.drawRoundedRect(rect, 7, 7)
        icon: QIcon = index.data(Qt.ItemDataRole.DecorationRole)
        mode = QIcon.Mode.Selected if selected else QIcon.Mode.Normal
        icon_rect = QRect(rect.left() + 10, rect.center().y() - 9, 18, 18)
        icon.paint(painter, icon_rect, Qt.AlignmentFlag.AlignCenter, mode)

        kind = index.data(KIND_ROLE) or ""
        font = option.font
        small = painter.font()
        small.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        painter.setFont(small)
        kind_width = painter.fontMetrics().horizontalAdvance(kind) + 16
        kind_rect = QRect(rect.right() - kind_width - 8, rect.top(), kind_width, rect.height())
        painter.setPen(QColor(t["text_faint"] if not selected else t["accent_soft_text"]))
        painter.drawText(
            kind_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, kind
        )

        text_left = icon_rect.right() + 12
        text_rect = QRect(text_left, rect.top(), kind_rect.left() - text_left - 8, rect.height())
        title = index.data(Qt.ItemDataRole.DisplayRole) or ""
        subtitle = index.data(SUBTITLE_ROLE) or ""
        painter.setFont(font)
        metrics = painter.fontMetrics()
        painter.setPen(QColor(t["accent_soft_text"] if selected else t["text"]))
        title_width = min(metrics.horizontalAdvance(title), text_rect.width())
        painter.drawText(
            QRect(text_rect.left(), text_rect.top(), title_width, text_rect.height()),
            Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(title, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        if subtitle and title_width + 24 < text_rect.width():
            painter.setFont(small)
            sub_rect = QRect(
                text_rect.left() + title_width + 12,
                text_rect.top(),
                text_rect.width() - title_width - 12,
                text_rect.height(),
            )
            painter.setPen(QColor(t["text_muted"]))
            painter.drawText(
                sub_rect,
                Qt.AlignmentFlag.AlignVCenter,
                painter.fontMetrics().elidedText(
                    subtitle, Qt.TextElideMode.ElideRight, sub_rect.width()
                ),
            )
        painter.restore()
