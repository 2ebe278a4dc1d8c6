"""Entry point: ``desktopcrm`` opens the window, ``desktopcrm SUBCOMMAND`` runs the CLI."""

from __future__ import annotations

import logging
import sys

from desktopcrm.cli import parse_args, run
from desktopcrm.log import setup_logging


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(logging.INFO if args.verbose else logging.WARNING)
    if args.command:
        return run(args)
    from desktopcrm.views.application import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
