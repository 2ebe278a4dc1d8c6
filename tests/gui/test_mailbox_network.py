# ruff: noqa: F811  (the fake Gmail fixtures are imported from tests/sync/conftest.py)
"""The reading pane over real HTTP: remote images stay unloaded until the user asks, and an
attachment is fetched from the (fake) Gmail server when opened."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from desktopcrm.models.mail import Folder
from desktopcrm.qt import QImage, Qt, QUrl
from desktopcrm.views.mail import reader as reader_module
from desktopcrm.views.mail.screen import MailboxScreen
from tests.gui.mail_helpers import make_account, raw_message, store
from tests.sync.conftest import ME, account, gmail, options, test_keyring  # noqa: F401
from tests.sync.test_gmail_sync import run_round

PNG = (  # a 1x1 GIF (every Qt build reads it)
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@pytest.fixture
def image_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def open_screen(qtbot, context) -> MailboxScreen:  # type: ignore[no-untyped-def]
    screen = MailboxScreen(context)
    qtbot.addWidget(screen)
    screen.resize(1300, 800)
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        screen.show()
    return screen


def test_remote_images_load_only_when_asked(qtbot, context, image_server) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    base, hits = image_server
    url = f"{base}/logo.png"
    box = make_account(context.user)
    store(
        box,
        raw_message(
            "News <news@shop.example>", ME, "Spring offers", "Offers inside",
            at=dt.datetime(2025, 3, 1, 9),
            html=f'<p>Offers</p><img src="{url}" width="40" height="40">'
            f'<img src="{base}/o/abc.{"x" * 20}.gif" data-crm-pixel="1">'
            '<script>alert(1)</script><a href="javascript:alert(2)">x</a>',
        ),
    )  # fmt: skip
    screen = open_screen(qtbot, context)
    screen.show_folder(Folder.UNMATCHED)  # the shop is nobody the CRM knows
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=10_000)
    with qtbot.waitSignal(screen.reader.shown, timeout=10_000):
        screen.list.setCurrentIndex(screen.model.index(0))
    body = screen.reader.body
    body.viewport().grab()  # lay out and paint the document: it asks for its images now
    assert url in body.requested and url in body.blocked
    assert hits == []  # nothing reached the network
    assert body.remote == [url]  # the tracking pixel was stripped, not just hidden
    shown = body.toHtml()
    assert "<script" not in shown and "alert(1)" not in shown and "javascript:" not in shown
    assert screen.reader.images_bar.isVisible()

    screen.reader.load_images_button.click()
    qtbot.waitUntil(lambda: not screen.reader.images_bar.isVisible(), timeout=10_000)
    assert hits == ["/logo.png"]
    body.viewport().grab()
    assert url not in body.blocked  # the document asked again, and got it
    image = body.loadResource(2, QUrl(url))  # QTextDocument.ImageResource
    assert isinstance(image, QImage) and (image.width(), image.height()) == (1, 1)


def test_attachment_is_fetched_from_gmail_and_opened(
    qtbot,
    context,
    gmail,
    account,
    options,
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    gmail.add_message(
        ME,
        raw_message(
            "Marco Rossi <marco@vellano.it>", ME, "Contract", "Attached.",
            at=dt.datetime(2025, 3, 1, 9),
            attachment=("contract.pdf", b"%PDF-1.4 the contract", "application/pdf"),
        ),
    )  # fmt: skip
    run_round(account, options)
    opened: list[str] = []

    class Desktop:
        @staticmethod
        def openUrl(url: QUrl) -> bool:
            opened.append(url.toLocalFile())
            return True

    monkeypatch.setattr(reader_module, "QDesktopServices", Desktop)
    screen = open_screen(qtbot, context)
    screen.show_folder(Folder.UNMATCHED)
    qtbot.waitUntil(lambda: screen.model.rowCount() == 1, timeout=10_000)
    with qtbot.waitSignal(screen.reader.shown, timeout=10_000):
        screen.list.setCurrentIndex(screen.model.index(0))
    button = screen.reader.attachments.widgets()[0]
    assert button.text().startswith("contract.pdf")
    gets = gmail.calls["get"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=10_000)
    assert gmail.calls["get"] == gets + 1
    assert Path(opened[0]).read_bytes() == b"%PDF-1.4 the contract"
