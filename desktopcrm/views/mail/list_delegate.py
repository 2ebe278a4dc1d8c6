"""Painting a mailbox row: an avatar with the sender's (in Sent: the recipient's) initials,
who in bold when unread, the date, the subject and the start of the text, and small pills for
what the user should notice: waiting to be sent or failed, replied, opened (approximate), how
many messages the conversation has, attachments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from desktopcrm.models.mail import Folder
from desktopcrm.qt import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QModelIndex,
    QPainter,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
)
from desktopcrm.services.mail import MailRow
from desktopcrm.views.dashboard.feed_delegate import avatar_colour, initials
from desktopcrm.views.icons import icon
from desktopcrm.views.local_time import to_local, utc_now
from desktopcrm.views.mail.list_model import FAILED_ROLE, ROW_ROLE
from desktopcrm.views.theme import ThemeManager, tokens

ROW_HEIGHT = 64
AVATAR = 32


def short_date(at: dt.datetime, now: dt.datetime) -> str:
    """ "14:30" today, "Yesterday", "Mon" this week, "12 May" this year, "12 May 2023"."""
    local, today = to_local(at), to_local(now).date()
    days = (today - local.date()).days
    if days <= 0:
        return f"{local:%H:%M}"
    if days == 1:
        return "Yesterday"
    if days < 7:
        return f"{local:%a}"
    if local.year == today.year:
        return f"{local.day} {local:%b}"
    return f"{local.day} {local:%b %Y}"


def counterpart(row: MailRow) -> str:
    """Who the row is about: the sender, or in Sent the first recipient."""
    if row.folder is Folder.SENT or (row.sent_by_us and not row.from_name):
        first = row.to_text.split(",")[0].strip()
        name = first.split("<")[0].strip().strip('"') if "<" in first else first
        return name or "(no recipient)"
    return row.sender


def pills(row: MailRow, failed: str) -> list[tuple[str, str, str]]:
    """(text, background token, text token) of each pill a row shows, in order."""
    found: list[tuple[str, str, str]] = []
    if failed:
        found.append(("Not sent", "danger_soft", "danger"))
    elif row.queued:
        found.append(("Queued", "warning_bg", "warning_text"))
    if row.replied:
        found.append(("Replied", "accent_soft", "success"))
    if row.open_count is not None and row.folder is Folder.SENT and not row.queued:
        opened = f"Opened ~{row.open_count}×" if row.open_count else "Not opened"
        found.append((opened, "surface_alt", "text_muted"))
    return found


def clip() -> QIcon:
    return icon("paperclip", "text_muted")


class MailDelegate(QStyledItemDelegate):
    """Paints ``MailRow`` rows of one height (placeholders while a block is read)."""

    def __init__(self, parent: Any = None, *, clock: Any = None) -> None:
        super().__init__(parent)
        self.now = clock or utc_now

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(320, ROW_HEIGHT)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        c = tokens(ThemeManager.current_scheme())
        rect: QRect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(rect, QColor(c["selection"]))
        elif option.state & QStyle.StateFlag.State_MouseOver:
            painter.fillRect(rect, QColor(c["hover"]))
        painter.setPen(QColor(c["border"]))
        painter.drawLine(rect.left() + 12, rect.bottom(), rect.right() - 12, rect.bottom())
        row: MailRow | None = index.data(ROW_ROLE)
        if row is None:
            self._placeholder(painter, rect, c)
            painter.restore()
            return
        failed: str = index.data(FAILED_ROLE) or ""
        self._paint_row(painter, option, rect, row, failed, c)
        painter.restore()

    def _placeholder(self, painter: QPainter, rect: QRect, c: dict[str, str]) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c["hover"]))
        painter.drawEllipse(QRectF(rect.left() + 22, rect.top() + 16, AVATAR, AVATAR))
        left = rect.left() + 66
        painter.drawRoundedRect(QRectF(left, rect.top() + 16, 140, 10), 4, 4)
        painter.drawRoundedRect(QRectF(left, rect.top() + 36, rect.width() * 0.45, 9), 4, 4)

    def _paint_row(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        rect: QRect,
        row: MailRow,
        failed: str,
        c: dict[str, str],
    ) -> None:
        base = QFont(option.font)
        bold = QFont(base)
        bold.setWeight(QFont.Weight.DemiBold if row.unread else QFont.Weight.Medium)
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() * 0.88))
        who = counterpart(row)
        if row.unread:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c["accent"]))
            painter.drawEllipse(QRectF(rect.left() + 8, rect.top() + 27, 7, 7))
        circle = QRectF(rect.left() + 22, rect.top() + 14, AVATAR, AVATAR)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(
            avatar_colour(who if row.folder is Folder.SENT else row.from_address or who)
        )
        painter.drawEllipse(circle)
        initials_font = QFont(base)
        initials_font.setWeight(QFont.Weight.DemiBold)
        initials_font.setPointSizeF(max(6.5, base.pointSizeF() * 0.8))
        painter.setFont(initials_font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), initials(who))

        left, right = rect.left() + 66, rect.right() - 14
        top = rect.top() + 10
        align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        when = short_date(row.date, self.now())
        painter.setFont(small)
        small_metrics = QFontMetrics(small)
        when_width = small_metrics.horizontalAdvance(when)
        painter.setPen(QColor(c["text"] if row.unread else c["text_faint"]))
        painter.drawText(
            QRect(right - when_width, top, when_width, 20),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            when,
        )
        extra = right - when_width - 8
        if row.thread_size > 1:
            count = str(row.thread_size)
            width = small_metrics.horizontalAdvance(count) + 10
            badge = QRectF(extra - width, top + 2, width, 16)
            painter.setPen(QColor(c["border_strong"]))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(badge, 8, 8)
            painter.setPen(QColor(c["text_muted"]))
            painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), count)
            extra -= int(width) + 6
        if row.has_attachments:
            clip().paint(painter, QRect(extra - 14, top + 3, 14, 14))
            extra -= 20
        name_prefix = "To: " if row.folder is Folder.SENT else ""
        painter.setFont(bold)
        metrics = QFontMetrics(bold)
        painter.setPen(QColor(c["text"]))
        painter.drawText(
            QRect(left, top, extra - left, 20),
            align,
            metrics.elidedText(name_prefix + who, Qt.TextElideMode.ElideRight, extra - left),
        )

        line2 = top + 22
        x = left
        for text, background, colour in pills(row, failed):
            width = small_metrics.horizontalAdvance(text) + 14
            pill = QRectF(x, line2 + 2, width, 17)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c[background]))
            painter.drawRoundedRect(pill, 8, 8)
            painter.setPen(QColor(c[colour]))
            painter.setFont(small)
            painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), text)
            x += int(width) + 6
        subject = row.subject or "(no subject)"
        subject_font = QFont(base)
        subject_font.setWeight(QFont.Weight.DemiBold if row.unread else QFont.Weight.Normal)
        subject_metrics = QFontMetrics(subject_font)
        room = right - x
        shown = subject_metrics.elidedText(subject, Qt.TextElideMode.ElideRight, room)
        painter.setFont(subject_font)
        painter.setPen(QColor(c["text"]))
        painter.drawText(QRect(x, line2, room, 20), align, shown)
        x += subject_metrics.horizontalAdvance(shown)
        snippet = " ".join(row.snippet.split())
        if shown == subject and snippet and right - x > 40:
            text = "  —  " + snippet
            painter.setFont(base)
            painter.setPen(QColor(c["text_muted"]))
            muted = QFontMetrics(base)
            painter.drawText(
                QRect(x, line2, right - x, 20),
                align,
                muted.elidedText(text, Qt.TextElideMode.ElideRight, right - x),
            )
