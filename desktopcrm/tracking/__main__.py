"""``python -m desktopcrm.tracking``: run the open-tracking endpoint (README: "Open tracking")."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from desktopcrm.tracking.server import make_server
from desktopcrm.tracking.tokens import api_key, new_secret


def _write_secret(path: Path) -> int:
    if path.exists():
        print(f"{path} already exists; not overwritten.", file=sys.stderr)
        return 1
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(new_secret() + "\n")
    print(f"Wrote a new secret to {path}. Give the same secret to DesktopCRM.")
    return 0


def _read_secret(path: Path) -> str:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SystemExit(
            f"Cannot read the secret file {path} ({error.strerror}). Create one with: "
            f"python -m desktopcrm.tracking --new-secret-file {path}"
        ) from error
    if len(secret) < 16:
        raise SystemExit(f"The secret in {path} is shorter than 16 characters; make a new one.")
    return secret


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m desktopcrm.tracking",
        description="DesktopCRM open-tracking endpoint (counts pixel loads, reports to the app).",
    )
    parser.add_argument("--db", type=Path, help="the endpoint's SQLite file (created if missing)")
    parser.add_argument("--secret-file", type=Path, help="file holding the shared secret")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    parser.add_argument("--new-secret-file", type=Path, help="write a new secret there and exit")
    parser.add_argument(
        "--print-api-key", action="store_true", help="print the API key of --secret-file and exit"
    )
    args = parser.parse_args(argv)
    if args.new_secret_file:
        return _write_secret(args.new_secret_file)
    if not args.secret_file:
        parser.error("--secret-file is required")
    secret = _read_secret(args.secret_file)
    if args.print_api_key:
        print(api_key(secret))
        return 0
    if not args.db:
        parser.error("--db is required")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = make_server(args.db, secret, args.host, args.port)
    print(f"Tracking endpoint listening on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
