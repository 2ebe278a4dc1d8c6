"""Settings › About: versions, where the data and the log are."""

from __future__ import annotations

import platform

from desktopcrm import APP_NAME, __version__
from desktopcrm.log import log_file_path
from desktopcrm.models.db import user_data_dir
from desktopcrm.qt import PYSIDE_VERSION, QHBoxLayout, QLabel, QPushButton, QWidget, qVersion
from desktopcrm.views.context import AppContext
from desktopcrm.views.desktop import open_folder
from desktopcrm.views.icons import icon
from desktopcrm.views.resources import icon_path
from desktopcrm.views.settings.widgets import (
    Card,
    SectionPage,
    field_form,
    field_label,
    value_label,
)


class AboutSection(SectionPage):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__("About", "", parent)
        card = Card()
        head = QHBoxLayout()
        logo = QLabel()
        name = "app-icon" if icon_path("app-icon").exists() else "deals"
        logo.setPixmap(icon(name, None if name == "app-icon" else "accent").pixmap(40, 40))
        head.addWidget(logo)
        title = QLabel(f"{APP_NAME} {__version__}")
        title.setObjectName("SectionTitle")
        head.addWidget(title, 1)
        card.body.addLayout(head)
        tagline = QLabel("An offline-first CRM for small sales teams.")
        tagline.setObjectName("Muted")
        card.body.addWidget(tagline)
        self.add(card)

        details = Card("Details")
        form = field_form()
        rows = [
            ("Version", __version__),
            ("Qt", qVersion()),
            ("PySide6", PYSIDE_VERSION),
            ("Python", platform.python_version()),
            ("System", f"{platform.system()} {platform.release()}"),
            ("Data folder", str(user_data_dir())),
            ("Database", context.location.display()),
            ("Settings file", str(context.settings.path)),
            ("Log file", str(log_file_path())),
        ]
        self.values: dict[str, QLabel] = {}
        for label, value in rows:
            widget = value_label(value)
            self.values[label] = widget
            form.addRow(field_label(label), widget)
        details.body.addLayout(form)
        row = QHBoxLayout()
        self.log_button = QPushButton(icon("log"), "Open log folder")
        self.log_button.clicked.connect(lambda: open_folder(log_file_path()))
        row.addWidget(self.log_button)
        self.data_button = QPushButton(icon("folder"), "Open data folder")
        self.data_button.clicked.connect(lambda: open_folder(user_data_dir()))
        row.addWidget(self.data_button)
        row.addStretch(1)
        details.body.addLayout(row)
        self.add(details)
        context.database_reopened.connect(
            lambda: self.values["Database"].setText(context.location.display())
        )
