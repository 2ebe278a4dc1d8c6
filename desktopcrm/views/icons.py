"""Line icons drawn from the SVGs in ``resources/icons``, coloured by the current theme.

An icon's colour is decided when it paints (normal, disabled, selected), from the tokens of the
theme in force, so one ``QIcon`` serves both themes.
"""

from __future__ import annotations

from functools import cache

from desktopcrm.qt import (
    QByteArray,
    QColor,
    QIcon,
    QIconEngine,
    QPainter,
    QPixmap,
    QRect,
    QRectF,
    QSize,
    QSvgRenderer,
    Qt,
)
from desktopcrm.views.resources import icon_path
from desktopcrm.views.theme import ThemeManager, tokens

#: Qt.GlobalColor.transparent, without building the Qt namespace (``qt.LazyNamespace``).
TRANSPARENT = QColor(0, 0, 0, 0)


@cache
def _svg_text(name: str) -> str:
    return icon_path(name).read_text("utf-8")


@cache
def _renderer(name: str, colour: str) -> QSvgRenderer:
    data = _svg_text(name).replace("currentColor", colour)
    return QSvgRenderer(QByteArray(data.encode("utf-8")))


def _colour_for(mode: QIcon.Mode, state: QIcon.State, role: str | None, on_role: str | None) -> str:
    t = tokens(ThemeManager.current_scheme())
    if mode == QIcon.Mode.Disabled:
        return t["text_faint"]
    if mode == QIcon.Mode.Selected:
        return t["accent_soft_text"]
    if on_role is not None and state == QIcon.State.On:
        return t[on_role]
    return t[role] if role else t["icon"]


class ThemedIconEngine(QIconEngine):
    """Renders one SVG in the colour the theme gives its mode (and, with ``on_role``, the
    colour of a checked button's icon)."""

    def __init__(self, name: str, role: str | None = None, on_role: str | None = None) -> None:
        super().__init__()
        self._name = name
        self._role = role
        self._on_role = on_role

    def _colour(self, mode: QIcon.Mode, state: QIcon.State) -> str:
        return _colour_for(mode, state, self._role, self._on_role)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        _renderer(self._name, self._colour(mode, state)).render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pixmap = QPixmap(size * scale)
        pixmap.fill(TRANSPARENT)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _renderer(self._name, self._colour(mode, state)).render(painter, QRectF(pixmap.rect()))
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def clone(self) -> QIconEngine:
        return ThemedIconEngine(self._name, self._role, self._on_role)

    def key(self) -> str:
        return "ThemedIconEngine"


def icon(name: str, role: str | None = None, *, on_role: str | None = None) -> QIcon:
    """The icon ``name`` (a file in resources/icons), optionally in the colour token ``role``;
    ``on_role`` colours it on a checked button."""
    return QIcon(ThemedIconEngine(name, role, on_role))


def avatar_pixmap(initials: str, size: int, dpr: float = 1.0) -> QPixmap:
    """A round avatar with the user's initials on the accent colour."""
    t = tokens(ThemeManager.current_scheme())
    pixmap = QPixmap(QSize(size, size) * dpr)
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(t["avatar"]))
    painter.drawEllipse(0, 0, size, size)
    font = painter.font()
    font.setPixelSize(max(8, int(size * 0.38)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(QRect(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, initials)
    painter.end()
    return pixmap
