"""The app icon files and the Linux desktop entry are well-formed."""

from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImageReader
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
ICONS = ROOT / "resources" / "icons"
DESKTOP_ENTRY = ROOT / "packaging" / "desktopcrm.desktop"


def load_make_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_icons", ROOT / "packaging" / "make_icons.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def image_sizes(path: Path) -> list[int]:
    reader = QImageReader(str(path))
    sizes = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), f"{path.name} image {index}: {reader.errorString()}"
        assert image.width() == image.height()
        sizes.append(image.width())
    return sizes


def test_committed_icons_are_readable(qapp: QApplication) -> None:
    assert QSvgRenderer(str(ICONS / "app-icon.svg")).isValid()
    assert image_sizes(ICONS / "app-icon-256.png") == [256]
    assert image_sizes(ICONS / "app-icon.ico") == [16, 24, 32, 48, 64, 128, 256]
    assert sorted(set(image_sizes(ICONS / "app-icon.icns"))) == [16, 32, 64, 128, 256, 512, 1024]


def test_make_icons_writes_every_size(qapp: QApplication, tmp_path: Path) -> None:
    make_icons = load_make_icons()
    assert make_icons.main(["--out", str(tmp_path), "--hicolor", str(tmp_path / "hicolor")]) == 0

    assert image_sizes(tmp_path / "app-icon.ico") == list(make_icons.ICO_SIZES)
    assert len(image_sizes(tmp_path / "app-icon.icns")) == len(make_icons.ICNS_TYPES)
    for size in make_icons.PNG_SIZES:
        assert image_sizes(tmp_path / "hicolor" / f"{size}x{size}" / "apps" / "desktopcrm.png") == [
            size
        ]
    assert (tmp_path / "hicolor" / "scalable" / "apps" / "desktopcrm.svg").is_file()


def test_desktop_entry_names_the_app() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP_ENTRY, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == "DesktopCRM"
    assert section["Exec"].split()[0] == "desktopcrm"
    assert section["Icon"] == "desktopcrm"
    assert section["Terminal"] == "false"
    assert "Office" in section["Categories"].split(";")


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None,
    reason="desktop-file-validate is not installed (package desktop-file-utils)",
)
def test_desktop_entry_is_valid() -> None:
    proc = subprocess.run(
        ["desktop-file-validate", str(DESKTOP_ENTRY)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == "", proc.stdout
