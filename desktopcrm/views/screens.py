"""The screens of the main window. Each issue that adds a screen (Dashboard, Leads, Contacts,
Companies, Deals, Board, Calendar, Tasks, Mail) adds its module to ``SCREEN_MODULES``; the
module defines ``SCREEN``, a ``ScreenSpec``. Only real screens are listed: no placeholders."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktopcrm.qt import QWidget
    from desktopcrm.views.context import AppContext

#: Modules that define a ``SCREEN``, in no particular order (``ScreenSpec.order`` sorts them).
SCREEN_MODULES = ("desktopcrm.views.settings.screen",)


@dataclass(frozen=True)
class ScreenSpec:
    """A screen of the sidebar.

    Attributes:
        key: the name used by ``screenshot --screen``, QSettings and the command palette.
        title: shown in the sidebar and the top bar.
        icon: an icon name from resources/icons.
        factory: builds the screen's widget (called the first time it is shown).
        group: 'main' screens sit at the top of the sidebar, 'system' ones at the bottom.
        order: position within the group.
        keywords: extra words the command palette matches.
    """

    key: str
    title: str
    icon: str
    factory: Callable[[AppContext], QWidget]
    group: str = "main"
    order: int = 100
    keywords: str = ""


def registered_screens() -> list[ScreenSpec]:
    """Every screen of this version: the 'main' group first, then 'system'."""
    specs = [importlib.import_module(name).SCREEN for name in SCREEN_MODULES]
    return sorted(specs, key=lambda s: (s.group != "main", s.order, s.title))
