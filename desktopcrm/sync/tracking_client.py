"""The app's side of open tracking: pixel URLs for outgoing mail, and polling open counts.

The endpoint (``desktopcrm.tracking``) is configured by its public base URL and the secret
shared with it; both are injected, as is the urllib opener (tests hand in a plain one aimed at
a local server). Counts are totals per our Message-ID: hand them to
``services.mail.set_open_counts``; poll again with the returned cursor.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from desktopcrm.tracking.tokens import PIXEL_PATH, PIXEL_SUFFIX, api_key, sign

DEFAULT_TIMEOUT_S = 10.0


class TrackingError(RuntimeError):
    """The endpoint could not be asked; the text says what to check."""


@dataclass(frozen=True)
class OpenCounts:
    """Total opens per Message-ID changed since the last poll, and the cursor for the next."""

    counts: dict[str, int]
    cursor: str  # the endpoint's time of this answer: pass it as ``since`` next time


class TrackingClient:
    """Makes pixel URLs and polls the counts of one tracking endpoint."""

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> None:
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"{base_url!r} is not a web address; enter the tracking endpoint's address, "
                "e.g. https://track.example.com"
            )
        if not secret.strip():
            raise ValueError("Enter the tracking endpoint's secret.")
        self.base_url = base_url.strip().rstrip("/")
        self._secret = secret.strip()
        self._key = api_key(self._secret)
        self.timeout = timeout
        self._opener = opener or urllib.request.build_opener()

    def pixel_url(self, message_id: str) -> str:
        """The tracking image URL for the message with our ``message_id`` (without <>)."""
        return f"{self.base_url}{PIXEL_PATH}{quote(sign(self._secret, message_id))}{PIXEL_SUFFIX}"

    def fetch_opens(self, since: str = "") -> OpenCounts:
        """Open totals of messages opened after ``since`` (a previous ``cursor``; "" = all).

        Raises:
            TrackingError: unreachable, timed out, wrong secret, or not a tracking endpoint.
        """
        url = f"{self.base_url}/api/opens"
        if since:
            url += "?" + urlencode({"since": since})
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self._key}"})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                body = response.read(64 * 1024 * 1024)
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 401:
                raise TrackingError(
                    "The tracking endpoint refused the key: the secret in DesktopCRM is not the "
                    "one the endpoint uses. Copy the endpoint's secret into the settings again."
                ) from error
            raise TrackingError(
                f"The tracking endpoint answered {error.code} {error.reason}. Check its address "
                f"({self.base_url}) and its log."
            ) from error
        except TimeoutError as error:
            raise TrackingError(
                f"The tracking endpoint {self.base_url} did not answer within "
                f"{self.timeout:g} s. Open counts will be fetched on the next round."
            ) from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TrackingError(
                f"Cannot reach the tracking endpoint {self.base_url} ({reason}). Check the "
                "address and the network; open counts will be fetched on the next round."
            ) from error
        return _parse(body, self.base_url)


def _parse(body: bytes, base_url: str) -> OpenCounts:
    try:
        data = json.loads(body)
        counts = {str(row["message_id"]): int(row["count"]) for row in data["opens"]}
        cursor = str(data["now"])
        dt.datetime.fromisoformat(cursor)
    except (ValueError, KeyError, TypeError) as error:
        raise TrackingError(
            f"{base_url} did not answer like a DesktopCRM tracking endpoint ({error})."
        ) from error
    return OpenCounts(counts, cursor)
