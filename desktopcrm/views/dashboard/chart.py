"""The pipeline chart: one horizontal bar per open stage, as long as its share of the deals,
labelled with the count and the value, painted with QPainter in the theme's colours."""

from __future__ import annotations

from decimal import Decimal

from desktopcrm.qt import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QRect,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QWidget,
)
from desktopcrm.services.dashboard import StageSummary
from desktopcrm.views.dashboard.money import money, money_sum
from desktopcrm.views.theme import ThemeManager, tokens

BAR_HEIGHT = 22
ROW_GAP = 8
NAME_WIDTH = 96


class StageChart(QWidget):
    """Bars of the open stages' deal counts; the value of each stage beside its count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StageChart")
        self.stages: list[StageSummary] = []
        self.currency = "EUR"
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_stages(self, stages: list[StageSummary], currency: str) -> None:
        self.stages = list(stages)
        self.currency = currency
        self.setAccessibleName("Open deals per stage")
        self.setAccessibleDescription(
            "; ".join(f"{s.name}: {s.count}, {self.value_text(s)}" for s in self.stages)
        )
        self.updateGeometry()
        self.update()

    def value_text(self, stage: StageSummary) -> str:
        return money(stage.value.get(self.currency, Decimal(0)), self.currency, compact=True)

    def sizeHint(self) -> QSize:
        rows = max(1, len(self.stages))
        return QSize(300, rows * (BAR_HEIGHT + ROW_GAP) + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, self.sizeHint().height())

    def bar_rect(self, row: int) -> QRect:
        """Where the bar of the ``row``-th stage may extend (its track)."""
        top = 2 + row * (BAR_HEIGHT + ROW_GAP)
        return QRect(NAME_WIDTH, top, max(40, self.width() - NAME_WIDTH - 2), BAR_HEIGHT)

    def row_at(self, y: int) -> int:
        row = (y - 2) // (BAR_HEIGHT + ROW_GAP)
        return row if 0 <= row < len(self.stages) else -1

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(int(event.position().y()))
        if row < 0:
            self.setToolTip("")
            return
        stage = self.stages[row]
        weighted = money_sum(stage.weighted, first=self.currency)
        self.setToolTip(
            f"<b>{stage.name}</b><br>{stage.count} open deal{'s' if stage.count != 1 else ''}"
            f"<br>Value: {money_sum(stage.value, first=self.currency)}<br>Forecast: {weighted}"
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        c = tokens(ThemeManager.current_scheme())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        bold = QFont(font)
        bold.setWeight(QFont.Weight.DemiBold)
        metrics, bold_metrics = QFontMetrics(font), QFontMetrics(bold)
        most = max((s.count for s in self.stages), default=0)
        accent = QColor(c["accent"])
        for row, stage in enumerate(self.stages):
            track = self.bar_rect(row)
            name_rect = QRect(0, track.top(), NAME_WIDTH - 8, BAR_HEIGHT)
            painter.setFont(font)
            painter.setPen(QColor(c["text_muted"]))
            painter.drawText(
                name_rect,
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                metrics.elidedText(stage.name, Qt.TextElideMode.ElideRight, name_rect.width()),
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(
                QColor(c["surface_alt"] if c["surface_alt"] != c["surface"] else c["hover"])
            )
            painter.drawRoundedRect(QRectF(track), 5, 5)
            share = stage.count / most if most else 0.0
            width = max(6.0, track.width() * share) if stage.count else 0.0
            if width:
                colour = QColor(accent)
                # Later stages are deeper: the bar's shade follows the stage's position.
                colour.setAlphaF(0.45 + 0.55 * (row + 1) / max(1, len(self.stages)))
                painter.setBrush(colour)
                painter.drawRoundedRect(
                    QRectF(track.left(), track.top(), width, track.height()), 5, 5
                )
            label = f"{stage.count}  ·  {self.value_text(stage)}" if stage.count else "—"
            label_width = bold_metrics.horizontalAdvance(label)
            outside_room = track.right() - (track.left() + int(width) + 8)
            inside = width >= label_width + 16 or (outside_room < label_width and width > 40)
            painter.setFont(bold)
            painter.setPen(QColor(c["accent_text"] if inside else c["text"]))
            left = track.left() + 8 if inside else track.left() + int(width) + 8
            room = int(width) - 16 if inside else track.right() - left
            painter.drawText(
                QRect(left, track.top(), max(0, room), BAR_HEIGHT),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                bold_metrics.elidedText(label, Qt.TextElideMode.ElideRight, max(0, room)),
            )
        if not self.stages:
            painter.setPen(QColor(c["text_muted"]))
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "No open stages")
        painter.end()
