"""Light and dark themes: Fusion, a QPalette and a style sheet built from design tokens.

The colour scheme follows the OS (``QStyleHints.colorScheme``) unless the setting or
``--theme`` says light or dark. Icons read the current tokens when they paint, so switching
theme recolours them without rebuilding any widget.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from string import Template

from desktopcrm.qt import QApplication, QColor, QObject, QPalette, QStyleFactory, Qt, Signal
from desktopcrm.views.resources import style_path

log = logging.getLogger("desktopcrm.views.theme")

THEME_CHOICES = ("system", "light", "dark")
#: The widget style the palette and the style sheets are made for.
STYLE = "Fusion"
#: The application property that says the application is in STYLE already.
_STYLE_PROPERTY = "desktopcrm_style"


def new_application(argv: list[str]) -> QApplication:
    """A new QApplication in STYLE, chosen with Qt's ``-style`` argument.

    ``setStyle`` (what ThemeManager does to an application made elsewhere) returns the QStyle,
    and wrapping it makes PySide build its QStyle type and enums: ~10 ms before the first paint
    that choosing the style on the command line does not cost.
    """
    app = QApplication([*argv, "-style", STYLE])
    app.setProperty(_STYLE_PROPERTY, STYLE)
    return app


@cache
def _all_tokens() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(style_path("tokens.json").read_text("utf-8"))
    return data


def tokens(scheme: str) -> dict[str, str]:
    """Colours of ``scheme`` ('light' or 'dark') plus the shared metrics."""
    data = _all_tokens()
    return {**data["metrics"], **data[scheme]}


@cache
def _template() -> Template:
    return Template(style_path("app.qss").read_text("utf-8"))


def style_sheet(scheme: str) -> str:
    # Images a style sheet draws (the combo box arrow: styling QComboBox hides the native
    # one) are files in the scheme's text colour, referenced by path.
    arrow = style_path(f"combo-arrow-{scheme}.svg").as_posix()
    return _template().substitute(tokens(scheme), combo_arrow=arrow)


def palette(scheme: str) -> QPalette:
    t = tokens(scheme)
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: t["window"],
        QPalette.ColorRole.WindowText: t["text"],
        QPalette.ColorRole.Base: t["surface"],
        QPalette.ColorRole.AlternateBase: t["surface_alt"],
        QPalette.ColorRole.ToolTipBase: t["tooltip_bg"],
        QPalette.ColorRole.ToolTipText: t["tooltip_text"],
        QPalette.ColorRole.PlaceholderText: t["text_faint"],
        QPalette.ColorRole.Text: t["text"],
        QPalette.ColorRole.Button: t["surface"],
        QPalette.ColorRole.ButtonText: t["text"],
        QPalette.ColorRole.BrightText: t["danger"],
        QPalette.ColorRole.Highlight: t["accent"],
        QPalette.ColorRole.HighlightedText: t["accent_text"],
        QPalette.ColorRole.Link: t["accent"],
        QPalette.ColorRole.LinkVisited: t["accent_pressed"],
        QPalette.ColorRole.Light: t["surface"],
        QPalette.ColorRole.Midlight: t["border"],
        QPalette.ColorRole.Mid: t["border_strong"],
        QPalette.ColorRole.Dark: t["border_strong"],
        QPalette.ColorRole.Shadow: t["shadow"],
        QPalette.ColorRole.Accent: t["accent"],
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(disabled, role, QColor(t["text_faint"]))
    return pal


class ThemeManager(QObject):
    """Applies the chosen theme to the application and follows the OS when it is 'system'."""

    changed = Signal(str)  # the effective scheme: 'light' or 'dark'

    _current: ThemeManager | None = None

    def __init__(
        self, app: QApplication, choice: str = "system", *, follow_system: bool = True
    ) -> None:
        """``follow_system=False`` guesses the OS scheme from the platform's palette instead
        of asking Qt (which builds the whole ``Qt`` namespace, see ``qt.LazyNamespace``);
        the window then calls ``follow_system()`` once it has painted."""
        super().__init__(app)
        self._app = app
        self._choice = choice if choice in THEME_CHOICES else "system"
        self.scheme = "light"
        # The platform's palette, before ours replaces it, is dark in a dark OS scheme.
        self._system_dark = app.palette().color(QPalette.ColorRole.Window).lightness() < 128
        self._following = False
        if app.property(_STYLE_PROPERTY) != STYLE:
            app.setStyle(QStyleFactory.create(STYLE))
            app.setProperty(_STYLE_PROPERTY, STYLE)
        ThemeManager._current = self
        if follow_system:
            self.follow_system()

    def follow_system(self) -> None:
        """Read the OS colour scheme and follow its changes (re-applying if the guess from
        the palette was wrong)."""
        if self._following:
            return
        self._following = True
        hints = self._app.styleHints()
        hints.colorSchemeChanged.connect(self._system_scheme_changed)
        scheme = hints.colorScheme()
        if scheme != Qt.ColorScheme.Unknown:
            dark = scheme == Qt.ColorScheme.Dark
            if dark != self._system_dark:
                self._system_dark = dark
                if self._choice == "system" and self.scheme != self.effective_scheme():
                    self.apply()

    @classmethod
    def current_scheme(cls) -> str:
        return cls._current.scheme if cls._current is not None else "light"

    @property
    def choice(self) -> str:
        return self._choice

    def set_choice(self, choice: str) -> None:
        if choice not in THEME_CHOICES:
            raise ValueError(f"theme must be one of {THEME_CHOICES}, not {choice!r}")
        self._choice = choice
        self.apply()

    def effective_scheme(self) -> str:
        if self._choice != "system":
            return self._choice
        return "dark" if self._system_dark else "light"

    def apply(self) -> None:
        scheme = self.effective_scheme()
        self.scheme = scheme
        self._app.setPalette(palette(scheme))
        self._app.setStyleSheet(style_sheet(scheme))
        log.debug("theme %s (%s)", scheme, self._choice)
        self.changed.emit(scheme)

    def _system_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if scheme == Qt.ColorScheme.Unknown:
            return
        self._system_dark = scheme == Qt.ColorScheme.Dark
        if self._choice == "system":
            self.apply()
