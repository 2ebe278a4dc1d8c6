"""Paints a row of a settings editor list: a coloured chip (when the item has colours), its
name, and a muted detail on the right (a probability, a field type, "fixed")."""

from __future__ import annotations

from desktopcrm.qt import (
    QColor,
    QFont,
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
from desktopcrm.views.theme import ThemeManager, tokens

Index = QModelIndex | QPersistentModelIndex

ID_ROLE = Qt.ItemDataRole.UserRole
FG_ROLE = Qt.ItemDataRole.UserRole + 1
BG_ROLE = Qt.ItemDataRole.UserRole + 2
CHIP_ROLE = Qt.ItemDataRole.UserRole + 3
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 4
FIXED_ROLE = Qt.ItemDataRole.UserRole + 5

ROW_HEIGHT = 38
CHIP_MIN_WIDTH = 44


class ChipDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(option.rect.width(), ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        t = tokens(ThemeManager.current_scheme())
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        enabled = bool(option.state & QStyle.StateFlag.State_Enabled)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(2, 1, -2, -1)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(t["selection"]))
            painter.drawRoundedRect(rect, 6, 6)
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(t["hover"]))
            painter.drawRoundedRect(rect, 6, 6)
        left = rect.left() + 10
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon) and not icon.isNull():
            icon_rect = QRect(left, rect.center().y() - 8, 16, 16)
            icon.paint(painter, icon_rect, Qt.AlignmentFlag.AlignCenter)
            left = icon_rect.right() + 10
        font = option.font
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        small.setBold(True)
        chip = index.data(CHIP_ROLE) or ""
        fg, bg = index.data(FG_ROLE), index.data(BG_ROLE)
        if chip and fg and bg:
            painter.setFont(small)
            width = max(CHIP_MIN_WIDTH, painter.fontMetrics().horizontalAdvance(chip) + 18)
            chip_rect = QRect(left, rect.center().y() - 10, width, 20)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(bg))
            painter.drawRoundedRect(chip_rect, 10, 10)
            painter.setPen(QColor(fg))
            painter.drawText(chip_rect, Qt.AlignmentFlag.AlignCenter, chip)
            left = chip_rect.right() + 12
        detail = index.data(DETAIL_ROLE) or ""
        detail_width = 0
        if detail:
            small.setBold(False)
            painter.setFont(small)
            detail_width = painter.fontMetrics().horizontalAdvance(detail) + 12
            painter.setPen(QColor(t["text_muted"]))
            painter.drawText(
                QRect(rect.right() - detail_width - 8, rect.top(), detail_width, rect.height()),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                detail,
            )
        painter.setFont(font)
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if chip and chip == name and fg and bg:
            painter.restore()
            return
        colour = t["selection_text"] if selected else t["text"] if enabled else t["text_muted"]
        painter.setPen(QColor(colour))
        text_rect = QRect(left, rect.top(), rect.right() - detail_width - 16 - left, rect.height())
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignVCenter,
            painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, text_rect.width()),
        )
        painter.restore()
