"""Settings › Appearance: follow the system, or always light, or always dark."""

from __future__ import annotations

from functools import partial

from desktopcrm.qt import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWidget
from desktopcrm.views.context import AppContext
from desktopcrm.views.settings.widgets import Card, SectionPage

CHOICES = (
    ("system", "Match the system", "Light or dark, following your computer's setting."),
    ("light", "Light", "Always light."),
    ("dark", "Dark", "Always dark."),
)


class AppearanceSection(SectionPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("Appearance", "How DesktopCRM looks on this computer.", parent)
        self._context = context
        card = Card("Theme", "Applied at once and remembered on this computer.")
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        current = context.theme.choice if context.theme else context.settings.get("theme")
        for key, title, description in CHOICES:
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 4)
            column.setSpacing(0)
            button = QRadioButton(title)
            button.setObjectName(f"theme-{key}")
            button.setAccessibleDescription(description)
            button.setChecked(key == current)
            button.toggled.connect(partial(self._toggled, key))
            self.group.addButton(button)
            self.buttons[key] = button
            column.addWidget(button)
            hint = QLabel(description)
            hint.setObjectName("Muted")
            hint.setContentsMargins(28, 0, 0, 0)
            column.addWidget(hint)
            card.body.addWidget(holder)
        self.add(card)

    def _toggled(self, choice: str, on: bool) -> None:
        if on:
            self.choose(choice)

    def choose(self, choice: str) -> None:
        self._context.settings.set("theme", choice)
        if self._context.theme is not None:
            self._context.theme.set_choice(choice)
