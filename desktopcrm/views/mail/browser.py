"""Showing a message's body safely.

``MailBrowser`` is a ``QTextBrowser``: it runs no scripts at all, and its ``loadResource`` is
where every image it wants passes, so remote images (``http``/``https``, which tell a sender
that and when the mail was read) are refused until the user clicks "Load images"; then they are
fetched off the GUI thread (``fetch_images``) and handed to the document. Links open in the
system browser, never inside the app. ``safe_html`` removes scripts, frames, forms, event
handler attributes and ``javascript:`` links before the HTML gets near Qt, and strips our own
tracking pixel (a message we sent must not count our own reading as an open).
"""

from __future__ import annotations

import html
import re
import urllib.request
from collections.abc import Iterable
from typing import Any

from desktopcrm.qt import QByteArray, QDesktopServices, QImage, QTextBrowser, QUrl, QWidget
from desktopcrm.sync.compose import strip_tracking_pixel

_DROP_BLOCKS = re.compile(
    r"<(script|iframe|object|embed|applet|form|noscript|template)\b.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_DROP_TAGS = re.compile(
    r"</?(script|iframe|object|embed|applet|form|input|button|link|meta|base|frame|frameset)\b[^>]*>",
    re.IGNORECASE,
)
_HANDLERS = re.compile(r"""\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_JS_URLS = re.compile(r"""(href|src)\s*=\s*(["']?)\s*(javascript|vbscript):""", re.IGNORECASE)
_REMOTE = re.compile(
    r"""(?:src|background)\s*=\s*["']?\s*(https?://[^"'\s>]+)|url\(\s*["']?(https?://[^"')\s]+)""",
    re.IGNORECASE,
)
_URL = re.compile(r"(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]])")
#: Remote images at most this big are loaded (bigger ones stay hidden).
MAX_IMAGE_BYTES = 5_000_000
REMOTE_SCHEMES = frozenset({"http", "https"})


def safe_html(markup: str) -> str:
    """``markup`` without anything that could run or submit, and without our tracking pixel."""
    markup = _DROP_BLOCKS.sub("", markup)
    markup = _DROP_TAGS.sub("", markup)
    markup = _HANDLERS.sub("", markup)
    markup = _JS_URLS.sub(r"\1=\2#blocked:", markup)
    return strip_tracking_pixel(markup)


def remote_urls(markup: str) -> list[str]:
    """The remote images (and backgrounds) ``markup`` would load, in order, once each."""
    found = (html.unescape(a or b) for a, b in _REMOTE.findall(markup))
    return list(dict.fromkeys(found))


def text_as_html(text: str) -> str:
    """A plain-text body as HTML: escaped, line breaks kept, web addresses clickable."""
    escaped = html.escape(text)
    linked = _URL.sub(r'<a href="\1">\1</a>', escaped)
    return f'<div style="white-space: pre-wrap;">{linked}</div>'


def fetch_images(urls: Iterable[str], timeout: float = 10.0) -> dict[str, bytes]:
    """Download remote images (for "Load images"); those that fail are left out."""
    found: dict[str, bytes] = {}
    for url in urls:
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "DesktopCRM"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = response.read(MAX_IMAGE_BYTES + 1)
        except (OSError, ValueError):
            continue
        if len(data) <= MAX_IMAGE_BYTES:
            found[url] = data
    return found


def _blank() -> QImage:
    """What a hidden remote image shows: nothing (not a broken-image sign)."""
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(0)
    return image


class MailBrowser(QTextBrowser):
    """A message body: no scripts, remote images only once allowed, links open outside.

    ``remote`` lists the remote images of the body shown (hidden until ``allow_images``).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MailBody")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._open_link)
        #: Remote images of the body shown; the document asked for ``blocked`` and got nothing.
        self.remote: list[str] = []
        self.blocked: set[str] = set()
        #: Remote images the user allowed, already downloaded.
        self.images: dict[str, bytes] = {}
        #: Every resource the document asked for (tests look at it).
        self.requested: list[str] = []

    def show_body(self, html_body: str, text_body: str) -> None:
        """Show a message: its HTML made safe, or its text."""
        self.blocked.clear()
        self.images.clear()
        self.document().clear()
        if html_body.strip():
            markup = safe_html(html_body)
            self.remote = remote_urls(markup)
            self.setHtml(markup)
        else:
            self.remote = []
            self.setHtml(text_as_html(text_body))

    def allow_images(self, images: dict[str, bytes], html_body: str) -> None:
        """Show the body again with the downloaded remote images."""
        self.images = dict(images)
        self.blocked.clear()
        position = self.verticalScrollBar().value()
        self.document().clear()
        self.setHtml(safe_html(html_body))
        self.verticalScrollBar().setValue(position)

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        address = url.toString() if isinstance(url, QUrl) else str(url)
        self.requested.append(address)
        scheme = (url.scheme() if isinstance(url, QUrl) else QUrl(address).scheme()).lower()
        if scheme in REMOTE_SCHEMES:
            data = self.images.get(address)
            if data is None:
                self.blocked.add(address)
                return _blank()
            image = QImage()
            image.loadFromData(QByteArray(data))
            return image if not image.isNull() else None
        if scheme == "data":
            return super().loadResource(kind, QUrl(address))
        return None  # cid:, file:, anything else: never read from disk or the network

    def _open_link(self, url: QUrl) -> None:
        if url.scheme().lower() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
