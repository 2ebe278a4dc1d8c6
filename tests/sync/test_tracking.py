"""Open tracking over real HTTP: the endpoint in a thread (and as a process), the app's client."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from desktopcrm.sync.compose import Draft, build_message, strip_tracking_pixel
from desktopcrm.sync.mime import Address, parse_message
from desktopcrm.sync.tracking_client import TrackingClient, TrackingError
from desktopcrm.tracking.server import PIXEL, TrackingServer, make_server
from desktopcrm.tracking.tokens import sign, verify

SECRET = "a-test-secret-that-is-long-enough"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TrackingServer]:
    srv = make_server(tmp_path / "opens.sqlite", SECRET)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)
        srv.store.close()


@pytest.fixture
def client(server: TrackingServer) -> TrackingClient:
    return TrackingClient(server.base_url, SECRET, timeout=5)


def load(url: str, method: str = "GET") -> tuple[int, str, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_tokens_sign_and_verify() -> None:
    token = sign(SECRET, "<crm-1@example.org>")
    assert verify(SECRET, token) == "crm-1@example.org"
    assert verify("another-secret-entirely", token) is None
    encoded, _, signature = token.partition(".")
    assert verify(SECRET, f"{encoded}.{signature[:-2]}AA") is None
    assert verify(SECRET, sign(SECRET, "crm-2@example.org").split(".")[0] + "." + signature) is None
    for junk in ("", ".", "abc", "!!!.???", "a" * 5000 + ".b"):
        assert verify(SECRET, junk) is None


def test_pixel_counts_opens_and_the_app_polls_them(client: TrackingClient) -> None:
    url = client.pixel_url("crm-1@example.org")
    assert re.search(r"/o/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}\.gif$", url)
    assert client.fetch_opens().counts == {}
    status, content_type, body = load(url)
    assert (status, content_type, body) == (200, "image/gif", PIXEL)
    load(url)
    first = client.fetch_opens()
    assert first.counts == {"crm-1@example.org": 2}

    assert client.fetch_opens(first.cursor).counts == {}  # nothing new since
    load(client.pixel_url("crm-2@example.org"))
    load(url)
    later = client.fetch_opens(first.cursor)
    assert later.counts == {"crm-1@example.org": 3, "crm-2@example.org": 1}  # totals
    assert client.fetch_opens().counts == later.counts


def test_invalid_tokens_get_the_gif_but_are_not_counted(
    server: TrackingServer, client: TrackingClient
) -> None:
    forged = TrackingClient(server.base_url, "not-the-endpoint-secret").pixel_url("crm-9@x.org")
    good = client.pixel_url("crm-1@example.org")
    for url in (forged, good[:-8] + "AAAA.gif", server.base_url + "/o/garbage.gif"):
        assert load(url) == (200, "image/gif", PIXEL)
    assert load(good, method="HEAD")[0] == 200  # a HEAD is no open either
    assert client.fetch_opens().counts == {}


def test_concurrent_opens_are_all_counted(client: TrackingClient) -> None:
    url = client.pixel_url("crm-busy@example.org")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: load(url), range(40)))
    assert client.fetch_opens().counts == {"crm-busy@example.org": 40}


def test_api_needs_the_key(server: TrackingServer) -> None:
    with pytest.raises(urllib.error.HTTPError) as raised:
        load(server.base_url + "/api/opens")
    raised.value.close()
    assert raised.value.code == 401
    wrong = TrackingClient(server.base_url, "not-the-endpoint-secret")
    with pytest.raises(TrackingError, match="secret in DesktopCRM is not the one"):
        wrong.fetch_opens()


def test_bad_cursor_and_unknown_paths(server: TrackingServer, client: TrackingClient) -> None:
    with pytest.raises(TrackingError, match="400"):
        client.fetch_opens("yesterday")
    assert load(server.base_url + "/healthz")[2] == b"ok\n"
    with pytest.raises(TrackingError, match="404"):
        TrackingClient(server.base_url + "/elsewhere", SECRET).fetch_opens()
    plain_text = TrackingClient(server.base_url + "/healthz#", SECRET)  # answers "ok"
    with pytest.raises(TrackingError, match="not answer like a DesktopCRM tracking endpoint"):
        plain_text.fetch_opens()


def test_unreachable_and_silent_endpoints_give_plain_errors() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(TrackingError, match="Cannot reach"):
        TrackingClient(f"http://127.0.0.1:{port}", SECRET, timeout=2).fetch_opens()
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(TrackingError, match=r"did not answer within 0\.3 s"):
            TrackingClient(url, SECRET, timeout=0.3).fetch_opens()


def test_client_refuses_bad_configuration() -> None:
    with pytest.raises(ValueError, match="not a web address"):
        TrackingClient("track.example.com", SECRET)
    with pytest.raises(ValueError, match="secret"):
        TrackingClient("https://track.example.com", " ")


def test_sent_mail_pixel_is_counted_by_message_id(client: TrackingClient) -> None:
    message_id = "crm-abc@example.org"
    draft = Draft(
        Address("Bob", "bob@example.org"),
        (Address("", "ann@customer.com"),),
        subject="Offer",
        html_body="<p>Offer attached.</p>",
    )
    parsed = parse_message(
        build_message(draft, message_id, tracking_pixel_url=client.pixel_url(message_id))
    )
    src = re.search(r'<img src="([^"]+)"', parsed.html_body)
    assert src is not None
    load(src.group(1))
    assert client.fetch_opens().counts == {parsed.message_id: 1}
    assert "<img" not in strip_tracking_pixel(parsed.html_body)


def test_runs_as_a_program(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    made = subprocess.run(
        [sys.executable, "-m", "desktopcrm.tracking", "--new-secret-file", str(secret_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Wrote a new secret" in made.stdout
    assert secret_file.stat().st_mode & 0o077 == 0
    again = subprocess.run(
        [sys.executable, "-m", "desktopcrm.tracking", "--new-secret-file", str(secret_file)],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 1 and "not overwritten" in again.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "desktopcrm.tracking", "--db", "x", "--secret-file", "nope"],
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "--new-secret-file nope" in missing.stderr

    cmd = [sys.executable, "-m", "desktopcrm.tracking", "--db", str(tmp_path / "t.sqlite")]
    cmd += ["--secret-file", str(secret_file), "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"listening on (http://\S+)", line)
        assert match, line
        client = TrackingClient(match.group(1), secret_file.read_text(), timeout=5)
        load(client.pixel_url("crm-proc@example.org"))
        assert client.fetch_opens().counts == {"crm-proc@example.org": 1}
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert (tmp_path / "t.sqlite").exists()
