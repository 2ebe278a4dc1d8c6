"""Entry point: ``desktopcrm`` opens the window, ``desktopcrm SUBCOMMAND`` runs the CLI."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys

from desktopcrm.cli import parse_args, run
from desktopcrm.log import setup_logging

POSTGRES_DRIVERS = ("psycopg", "psycopg2")


def uses_postgresql(args: argparse.Namespace) -> bool:
    spec = args.database or os.environ.get("DESKTOPCRM_DATABASE", "")
    return str(spec).startswith(("postgresql://", "postgres://"))


def skip_postgresql_driver() -> None:
    """Keep peewee from importing the PostgreSQL driver when the database is a file.

    peewee imports psycopg at module level when it is installed, which costs about a quarter
    of a second at every start; a ``None`` entry in ``sys.modules`` makes that import fail fast
    and peewee runs without it. Only done before peewee is imported, so a process that already
    uses PostgreSQL (the tests) is unaffected.
    """
    if "peewee" in sys.modules:
        return
    for name in POSTGRES_DRIVERS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not uses_postgresql(args):
        skip_postgresql_driver()
    setup_logging(logging.INFO if args.verbose else logging.WARNING)
    if args.command:
        return run(args)
    # No garbage collection until the window's first paint (run_gui turns it back on): the
    # start-up imports allocate objects by the hundred thousand and would trigger collections
    # of what is all still alive.
    gc.disable()
    from desktopcrm.views.application import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
