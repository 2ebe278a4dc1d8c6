"""Render the app icon (resources/icons/app-icon.svg) to PNG, ICO and ICNS.

Run after changing the SVG, then commit the results:

    python packaging/make_icons.py                  # the committed files in resources/icons/
    python packaging/make_icons.py --hicolor DIR    # also DIR/<n>x<n>/apps/desktopcrm.png, 16..512

The committed files are ``app-icon-256.png`` (window icon, README), ``app-icon.ico`` (Windows
executables) and ``app-icon.icns`` (the macOS .app). ICO and ICNS are written here as plain
containers of PNG images, which Windows Vista+ and macOS 10.7+ read, so neither Pillow nor
``iconutil`` is needed. Rendering uses Qt's SVG renderer, the same one the app uses.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "app-icon.svg"
ICON_DIR = ROOT / "resources" / "icons"

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
COMMITTED_PNG_SIZES = (256,)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, with their pixel size (Apple's iconutil writes the same).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"icp6", 64),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),
    (b"ic09", 512),
    (b"ic14", 512),
    (b"ic10", 1024),
)
# macOS icons leave a transparent margin around the tile (100 px of 1024 in Apple's template).
MACOS_MARGIN = 100 / 1024


def render_png(svg: Path, size: int, margin: float = 0.0) -> bytes:
    """Render ``svg`` to a ``size`` x ``size`` PNG, leaving ``margin`` (a fraction) on each side."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    inset = size * margin
    renderer.render(painter, QRectF(inset, inset, size - 2 * inset, size - 2 * inset))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"PNG"))
    if not writer.write(image):
        raise SystemExit(f"cannot encode PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """Pack PNG images into a Windows .ico (ICONDIR + ICONDIRENTRY records + PNG data)."""
    sizes = sorted(pngs)
    offset = 6 + 16 * len(sizes)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    entries = b""
    for size in sizes:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(pngs[size]), offset)
        offset += len(pngs[size])
    return header + entries + b"".join(pngs[size] for size in sizes)


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """Pack PNG images into a macOS .icns (big-endian type + length records)."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=SVG, help="source SVG (default: %(default)s)")
    parser.add_argument(
        "--out", type=Path, default=ICON_DIR, help="where app-icon.* go (default: %(default)s)"
    )
    parser.add_argument(
        "--hicolor",
        type=Path,
        metavar="DIR",
        help="also write a freedesktop icon theme tree DIR/<n>x<n>/apps/desktopcrm.png",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])

    flat = {size: render_png(args.svg, size) for size in {*PNG_SIZES, *ICO_SIZES}}
    mac = {size: render_png(args.svg, size, MACOS_MARGIN) for _, size in ICNS_TYPES}

    for size in COMMITTED_PNG_SIZES:
        write(args.out / f"app-icon-{size}.png", flat[size])
    write(args.out / "app-icon.ico", ico_bytes({size: flat[size] for size in ICO_SIZES}))
    write(args.out / "app-icon.icns", icns_bytes(mac))
    if args.hicolor:
        for size in PNG_SIZES:
            write(args.hicolor / f"{size}x{size}" / "apps" / "desktopcrm.png", flat[size])
        write(args.hicolor / "scalable" / "apps" / "desktopcrm.svg", args.svg.read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
