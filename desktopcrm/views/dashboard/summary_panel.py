"""The dashboard's left column: the chosen pipeline's open deals (count, value, forecast), the
chart per stage, and the deals won, lost and unqualified in the last 30 days."""

from __future__ import annotations

from decimal import Decimal

from desktopcrm.qt import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from desktopcrm.services.dashboard import CLOSED_DAYS, PipelineChoice, PipelineSummary
from desktopcrm.views.dashboard.chart import StageChart
from desktopcrm.views.dashboard.money import money_main, money_sum
from desktopcrm.views.dashboard.skeleton import Skeleton

CLOSED_TITLES = {"won": "Won", "lost": "Lost", "unqualified": "Unqualified"}


def card(title: str, name: str) -> tuple[QFrame, QVBoxLayout, QHBoxLayout]:
    """A titled card: the frame, its body layout and its header row (title on the left)."""
    frame = QFrame()
    frame.setObjectName("Card")
    frame.setProperty("dashboardCard", name)
    body = QVBoxLayout(frame)
    body.setContentsMargins(16, 14, 16, 14)
    body.setSpacing(10)
    header = QHBoxLayout()
    label = QLabel(title)
    label.setObjectName("CardTitle")
    header.addWidget(label)
    header.addStretch(1)
    body.addLayout(header)
    return frame, body, header


class Figure(QWidget):
    """A caption over a big number (and an optional smaller line under it)."""

    def __init__(self, caption: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        self.caption = QLabel(caption)
        self.caption.setObjectName("FigureCaption")
        self.value = QLabel("–")
        self.value.setObjectName("FigureValue")
        self.value.setProperty("figure", name)
        self.value.setWordWrap(True)
        self.sub = QLabel("")
        self.sub.setObjectName("FigureSub")
        self.sub.setWordWrap(True)
        self.sub.hide()
        self.placeholder = Skeleton("figure", 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.sub)
        layout.addWidget(self.placeholder)
        self.value.hide()

    def set(self, value: str, sub: str = "") -> None:
        self.placeholder.hide()
        self.value.show()
        self.value.setText(value)
        self.sub.setText(sub)
        self.sub.setVisible(bool(sub))
        self.setAccessibleName(f"{self.caption.text()}: {value} {sub}".strip())


class SummaryPanel(QWidget):
    """Emits ``pipeline_chosen`` (the pipeline's id as hex) when the user picks another."""

    pipeline_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)

        frame, body, header = card("Pipeline", "pipeline")
        self.pipeline = QComboBox()
        self.pipeline.setObjectName("DashboardPipeline")
        self.pipeline.setAccessibleName("Pipeline")
        self.pipeline.activated.connect(self._chosen)
        self.pipeline.hide()  # until the pipelines are read
        header.addWidget(self.pipeline)
        figures = QHBoxLayout()
        figures.setSpacing(18)
        self.open_deals = Figure("Open deals", "open_deals")
        self.open_value = Figure("Value", "open_value")
        self.forecast = Figure("Forecast", "forecast")
        for figure in (self.open_deals, self.open_value, self.forecast):
            figures.addWidget(figure, 1, Qt.AlignmentFlag.AlignTop)
        body.addLayout(figures)
        self.chart = StageChart()
        self.chart.hide()
        self.chart_placeholder = Skeleton("bars", 5)
        body.addWidget(self.chart)
        body.addWidget(self.chart_placeholder)
        self.chart_note = QLabel()
        self.chart_note.setObjectName("FigureSub")
        self.chart_note.setWordWrap(True)
        body.addWidget(self.chart_note)
        layout.addWidget(frame)

        closed, closed_body, _ = card(f"Last {CLOSED_DAYS} days", "closed")
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        self.closed: dict[str, Figure] = {}
        for column, (kind, title) in enumerate(CLOSED_TITLES.items()):
            tile = QFrame()
            tile.setObjectName("ClosedTile")
            tile.setProperty("kind", kind)
            tile_layout = QVBoxLayout(tile)
            tile_layout.setContentsMargins(12, 10, 12, 10)
            figure = Figure(title, kind)
            tile_layout.addWidget(figure)
            grid.addWidget(tile, 0, column)
            self.closed[kind] = figure
        closed_body.addLayout(grid)
        layout.addWidget(closed)
        layout.addStretch(1)
        self.summary: PipelineSummary | None = None

    def set_pipelines(self, choices: list[PipelineChoice], current: PipelineSummary | None) -> None:
        self.pipeline.blockSignals(True)
        self.pipeline.clear()
        for choice in choices:
            self.pipeline.addItem(choice.name, choice.id.hex)
        if current is not None:
            self.pipeline.setCurrentIndex(max(0, self.pipeline.findData(current.pipeline_id.hex)))
        self.pipeline.setVisible(len(choices) > 1)
        self.pipeline.blockSignals(False)

    def _chosen(self, _index: int) -> None:
        value = self.pipeline.currentData()
        if value and (self.summary is None or value != self.summary.pipeline_id.hex):
            self.pipeline_chosen.emit(value)

    @staticmethod
    def _split(amounts: dict[str, Decimal], currency: str) -> tuple[str, str]:
        """The headline in the pipeline's currency, and the other currencies under it."""
        main = money_main({currency: amounts.get(currency, Decimal(0))}, currency)
        others = {c: v for c, v in amounts.items() if c != currency}
        return main, ("+ " + money_sum(others, compact=True) if others else "")

    def show_summary(self, summary: PipelineSummary | None) -> None:
        """The figures of ``summary`` in place of the placeholders (or of the last ones)."""
        self.summary = summary
        self.chart_placeholder.hide()
        self.chart.show()
        if summary is None:
            self.open_deals.set("0")
            self.open_value.set("–")
            self.forecast.set("–")
            self.chart.set_stages([], "EUR")
            for figure in self.closed.values():
                figure.set("0")
            return
        currency = summary.currency
        self.open_deals.set(f"{summary.open_count:,}")
        self.open_value.set(*self._split(summary.open_value, currency))
        self.forecast.set(*self._split(summary.open_weighted, currency))
        self.open_value.setToolTip(money_sum(summary.open_value, first=currency))
        self.forecast.setToolTip(
            "Value × probability: " + money_sum(summary.open_weighted, first=currency)
        )
        self.chart.set_stages(summary.stages, currency)
        others = sorted(c for c in summary.open_value if c != currency)
        self.chart_note.setText(
            f"Values in {currency}; deals in {', '.join(others)} are counted, their values "
            "are in the tooltips."
            if others
            else ""
        )
        self.chart_note.setVisible(bool(others))
        for closed in summary.closed:
            figure = self.closed[closed.kind]
            deals = "deal" if closed.count == 1 else "deals"
            figure.set(
                f"{closed.count:,}",
                money_main(closed.value, currency) if closed.count else deals,
            )
            figure.setToolTip(
                f"{closed.count} {deals} closed as {closed.name} since "
                f"{summary.since:%d %b}: {money_sum(closed.value, first=currency)}"
            )
