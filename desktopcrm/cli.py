"""The program without a window: ``desktopcrm SUBCOMMAND``.

Every subcommand opens the database the same way the app does (``--database`` before or after
the subcommand, ``DESKTOPCRM_DATABASE``, or the default file), so it obeys the same rules.
Known problems print one plain message and exit 1; nothing prints a traceback for them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktopcrm import APP_NAME, __version__

if TYPE_CHECKING:
    from desktopcrm.services.workspace import Workspace

log = logging.getLogger("desktopcrm.cli")

SCREENS = (
    "dashboard",
    "leads",
    "contacts",
    "companies",
    "deals",
    "board",
    "calendar",
    "tasks",
    "mail",
    "settings",
)


def _database_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--database",
        metavar="PATH|URL",
        default=default,
        help="database file or postgresql:// URL (default: $DESKTOPCRM_DATABASE, else "
        "desktopcrm.sqlite in your user data folder)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--shared-file",
        dest="shared",
        action="store_const",
        const=True,
        default=None if top else argparse.SUPPRESS,
        help="open the file in shared-file mode (several PCs on a network share)",
    )
    mode.add_argument(
        "--local-file",
        dest="shared",
        action="store_const",
        const=False,
        default=argparse.SUPPRESS,
        help="open the file in local mode even if it looks shared",
    )


def _top_parser(*, full: bool = True) -> argparse.ArgumentParser:
    """The options that come before a subcommand (the window's); ``full=False`` leaves out
    ``--help`` and raises ArgumentError instead of exiting (see ``parse_args``)."""
    parser = argparse.ArgumentParser(
        prog="desktopcrm",
        description=f"{APP_NAME}: an offline-first CRM for small sales teams. "
        "Without a subcommand, opens the window.",
        add_help=full,
        exit_on_error=full,
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    _database_options(parser, top=True)
    parser.add_argument(
        "--quit-after-startup",
        action="store_true",
        help="open the window and quit right after the first paint (for timing)",
    )
    parser.add_argument(
        "--quit-when-ready",
        action="store_true",
        help="quit right after the first paint with the database open and the first screen "
        "shown (for timing)",
    )
    parser.add_argument(
        "--theme", choices=("system", "light", "dark"), default=None, help="colour scheme"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _top_parser()
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=help_text, description=help_text)
        _database_options(child, top=False)
        return child

    command("init", "create the database (or upgrade it) and exit")
    check = command("check", "integrity check, schema version and record counts")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    backup = command("backup", "copy the database to DEST (a file or folder) while it is in use")
    backup.add_argument("dest", help="a file, or a folder (existing, or ending with /)")
    restore = command("restore", "replace the database with the backup SRC")
    restore.add_argument("src", type=Path)
    shot = command("screenshot", "render a screen offscreen to a PNG file")
    shot.add_argument("--screen", required=True, choices=SCREENS, metavar="NAME")
    shot.add_argument("--out", required=True, type=Path, metavar="FILE.png")
    shot.add_argument("--size", default="1400x900", metavar="WxH")
    shot.add_argument("--theme", choices=("light", "dark"), default="light")
    _record_commands(command)
    _mail_commands(command)
    return parser


RECORD_KINDS = ("lead", "contact", "company", "deal")


def _record_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Import, undo, export, demo data and search."""
    imp = command(
        "import",
        "import a CSV file of leads, contacts, companies or deals (or a .vcf of contacts); "
        "exit 0 when every row was imported, 3 when some were rejected",
    )
    imp.add_argument("kind", choices=RECORD_KINDS, metavar="KIND", help="lead|contact|company|deal")
    imp.add_argument("file", type=Path, metavar="FILE", help="a .csv file, or .vcf for contacts")
    imp.add_argument(
        "--mapping",
        metavar="JSON",
        help='column -> field, e.g. \'{"Surname": "last_name", "Notes": null}\', or a .json file',
    )
    imp.add_argument("--report", type=Path, metavar="FILE", help="write the full report as JSON")
    imp.add_argument("--dry-run", action="store_true", help="check every row, import nothing")
    imp.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="import rows that match existing records (same email, phone or website)",
    )
    undo = command("import-undo", "remove what an import created (records changed since stay)")
    undo.add_argument("import_id", metavar="IMPORT_ID")
    exp = command("export", "export every lead, contact, company or deal you can see")
    exp.add_argument(
        "kind",
        choices=(*RECORD_KINDS, "emails"),
        metavar="KIND",
        help="lead|contact|company|deal|emails (emails: JSON lines, one message a line)",
    )
    exp.add_argument("--out", required=True, type=Path, metavar="FILE")
    exp.add_argument(
        "--format", choices=("csv", "vcf"), default=None, help="default: from the file name"
    )
    demo = command("demo", "fill the database with realistic demo records")
    demo.add_argument("--contacts", type=int, default=1000, metavar="N")
    demo.add_argument("--deals", type=int, default=300, metavar="N")
    demo.add_argument("--leads", type=int, default=500, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="same seed, same data")
    find = command("search", "search leads, contacts, companies, deals and notes")
    find.add_argument("text", metavar="TEXT")
    find.add_argument("--limit", type=int, default=20, metavar="N")
    find.add_argument(
        "--kind",
        action="append",
        choices=("lead", "contact", "company", "deal", "note"),
        help="only these kinds (repeatable)",
    )
    find.add_argument("--json", action="store_true", help="print the hits as JSON lines")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse ``argv``; the subcommands' parsers are built only when it may need them.

    Building them all costs start-up time the window does not need, so options alone (the
    window's) are parsed by the top-level parser without help; anything else (a subcommand,
    ``--help``, a mistake) goes to the full parser, which also reports errors.
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        window, rest = _top_parser(full=False).parse_known_args(args)
    except argparse.ArgumentError:
        rest = args
    if rest:
        return build_parser().parse_args(args)
    window.command = None
    return window


def fail(message: str) -> int:
    print(f"desktopcrm: {message}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    """Run the subcommand in ``args``; returns the process exit code."""
    import sqlite3

    import peewee

    from desktopcrm.models.errors import DatabaseError
    from desktopcrm.services.errors import ServiceError

    handler = COMMANDS[args.command]
    try:
        return handler(args)
    except (DatabaseError, ServiceError) as exc:
        return fail(str(exc))
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        log.exception("database error in %s", args.command)
        return fail(
            f"The database could not be read or written ({exc}). If it is damaged, restore "
            "it from a backup: desktopcrm restore BACKUP."
        )
    except BrokenPipeError:
        # The reader went away (``desktopcrm search x | head``): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:
        return fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))


def _open(args: argparse.Namespace, *, create: bool = True) -> Workspace:
    from desktopcrm.services.workspace import open_workspace

    workspace = open_workspace(args.database, shared=args.shared, create=create)
    for warning in workspace.location.warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    return workspace


def cmd_init(args: argparse.Namespace) -> int:
    from desktopcrm.models import SCHEMA_VERSION

    workspace = _open(args)
    print(
        f"{workspace.location.display()}: ready ({workspace.location.mode.label}, "
        f"schema {SCHEMA_VERSION}, signed in as {workspace.user.name})"
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from desktopcrm.models import open_database, resolve_location
    from desktopcrm.services.maintenance import check_database

    location = resolve_location(args.database, shared=args.shared)
    open_database(location, create=False, upgrade=False)
    report = check_database(location)
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.as_text())
    return 0 if report.ok else 2


def cmd_backup(args: argparse.Namespace) -> int:
    from desktopcrm.models import resolve_location
    from desktopcrm.models.db import probe_file
    from desktopcrm.models.errors import NotADatabaseError
    from desktopcrm.services.maintenance import backup_to

    location = resolve_location(args.database, shared=args.shared)
    if location.path is not None and not probe_file(location.path).schema_version:
        raise NotADatabaseError(f"There is no DesktopCRM database at {location.path} to back up.")
    dest = Path(args.dest).expanduser()
    if args.dest.endswith(("/", os.sep)):
        dest.mkdir(parents=True, exist_ok=True)
    saved = backup_to(location, dest)
    print(f"Backed up {location.display()} to {saved}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from desktopcrm.models import resolve_location
    from desktopcrm.services.maintenance import restore_from

    location = resolve_location(args.database, shared=args.shared)
    saved = restore_from(location, args.src)
    print(f"Restored {location.display()} from {args.src}")
    if saved:
        print(f"The database it replaced was saved to {saved}")
    return 0


def cmd_screenshot(args: argparse.Namespace) -> int:
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
    except ValueError:
        return fail(f"--size takes WIDTHxHEIGHT, e.g. 1400x900, not {args.size!r}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    workspace = _open(args)
    from desktopcrm.views.screenshot import render_screen

    render_screen(workspace, args.screen, args.out, (width, height), args.theme)
    print(f"Saved the {args.screen} screen to {args.out}")
    return 0


def _mapping(value: str | None) -> dict[str, str | None] | None:
    from desktopcrm.services.errors import ServiceError

    if not value:
        return None
    text = value
    if not value.lstrip().startswith("{"):
        try:
            text = Path(value).read_text(encoding="utf-8")
        except OSError as exc:
            raise ServiceError(
                f"--mapping takes a JSON object or a .json file; cannot read {value} ({exc})."
            ) from exc
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ServiceError(f"--mapping is not valid JSON ({exc}).") from exc
    if not isinstance(mapping, dict):
        raise ServiceError('--mapping must be a JSON object: {"Column": "field", ...}.')
    return {str(k): (str(v) if v else None) for k, v in mapping.items()}


def cmd_import(args: argparse.Namespace) -> int:
    from desktopcrm.services.csv_import import import_file
    from desktopcrm.services.errors import ServiceError
    from desktopcrm.services.vcard import import_vcards

    if not args.file.is_file():
        return fail(f"There is no file {args.file}; check the path.")
    mapping = _mapping(args.mapping)
    workspace = _open(args)
    options = {"dry_run": args.dry_run, "check_duplicates": not args.allow_duplicates}
    if args.file.suffix.lower() in (".vcf", ".vcard"):
        if args.kind != "contact":
            raise ServiceError("A vCard file holds contacts: use desktopcrm import contact FILE.")
        reports = import_vcards(workspace.user, args.file, **options)
    else:
        reports = [import_file(workspace.user, args.kind, args.file, mapping, **options)]
    if args.report:
        data = [r.as_dict() for r in reports]
        args.report.write_text(
            json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False),
            encoding="utf-8",
        )
        for report in reports:
            print(report.as_text().splitlines()[0])
        print(f"Report written to {args.report}")
    else:
        for report in reports:
            print(report.as_text())
    return 0 if all(r.ok for r in reports) else 3


def cmd_import_undo(args: argparse.Namespace) -> int:
    from desktopcrm.services.csv_import import undo_import

    workspace = _open(args)
    result = undo_import(workspace.user, args.import_id)
    print(f"Removed {result.removed} records created by import {args.import_id}.")
    if result.kept:
        print(f"Kept {len(result.kept)} records changed since the import:")
        for record_id in result.kept:
            print(f"  {record_id}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from desktopcrm.services.export import export_file

    if args.kind == "emails":
        return cmd_export_emails(args)

    file_format = args.format or ("vcf" if args.out.suffix.lower() == ".vcf" else "csv")
    workspace = _open(args)
    count = export_file(workspace.user, args.kind, args.out, file_format)
    print(f"Exported {count} {args.kind} records to {args.out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from desktopcrm.services.demo import fill_demo

    if min(args.contacts, args.deals, args.leads) < 0:
        return fail("--contacts, --deals and --leads take 0 or more.")
    workspace = _open(args)

    def progress(stage: str, done: int, total: int) -> None:
        log.info("demo: %s %d/%d", stage, done, total)

    result = fill_demo(
        workspace.user,
        contacts=args.contacts,
        deals=args.deals,
        leads=args.leads,
        seed=args.seed,
        progress=progress,
    )
    print(
        f"Added {result.companies} companies, {result.people} people, {result.leads} leads, "
        f"{result.deals} deals, {result.notes} notes, {result.tasks} tasks and "
        f"{result.appointments} appointments (seed {args.seed}) to "
        f"{workspace.location.display()}"
    )
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from desktopcrm.services.search import search

    workspace = _open(args)
    hits = search(workspace.user, args.text, limit=args.limit, kinds=args.kind)
    for hit in hits:
        if args.json:
            print(
                json.dumps(
                    {
                        "kind": hit.kind,
                        "id": str(hit.record_id),
                        "title": hit.title,
                        "subtitle": hit.subtitle,
                        "rank": round(hit.rank, 4),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(f"{hit.kind:8} {hit.title}" + (f" — {hit.subtitle}" if hit.subtitle else ""))
    if not hits and not args.json:
        print(f"Nothing found for {args.text!r}.")
    return 0


def _mail_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Google accounts and mail sync."""
    account = command("account", "connect a Google account for mail sync")
    actions = account.add_subparsers(dest="account_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="store an account's sign-in in the keyring")
    _database_options(add, top=False)
    add.add_argument("--email", required=True)
    add.add_argument("--client-id", required=True, help="your OAuth client id (or the app's)")
    add.add_argument("--client-secret", default="")
    add.add_argument("--refresh-token", required=True)
    add.add_argument("--quota", type=int, default=None, metavar="UNITS", help="units/second")
    sync = command("sync", "sync mail with Gmail (exit 1 and why when an account failed)")
    sync.add_argument("--once", action="store_true", required=True, help="one round, then exit")


def cmd_account(args: argparse.Namespace) -> int:
    from desktopcrm.sync.accounts import add_account
    from desktopcrm.sync.google_http import GoogleError

    workspace = _open(args)
    try:
        account = add_account(
            workspace.user,
            args.email,
            client_id=args.client_id,
            client_secret=args.client_secret,
            refresh_token=args.refresh_token,
            quota_units_per_second=args.quota,
        )
    except GoogleError as exc:
        return fail(str(exc))
    print(f"Connected {account.email}; its sign-in is in the system keyring.")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from desktopcrm.sync.manager import sync_once

    _open(args)
    outcomes = sync_once()
    if not outcomes:
        return fail("No mail account is connected (desktopcrm account add ...).")
    failed = 0
    for outcome in outcomes:
        if outcome.error:
            failed += 1
            print(f"{outcome.email}: FAILED: {outcome.error}", file=sys.stderr)
        elif outcome.result is not None:
            r = outcome.result
            print(
                f"{outcome.email}: {r.kind} sync, {r.added} new, {r.labels_changed} relabelled, "
                f"{r.removed} removed, {r.sent} sent, {r.outbox_waiting} waiting to send"
            )
            if r.outbox_waiting:
                failed += 1
    return 1 if failed else 0


def cmd_export_emails(args: argparse.Namespace) -> int:
    from desktopcrm.services.mail import export_emails

    workspace = _open(args)
    count = export_emails(workspace.user, args.out)
    print(f"Exported {count} emails to {args.out}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init,
    "check": cmd_check,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "screenshot": cmd_screenshot,
    "import": cmd_import,
    "import-undo": cmd_import_undo,
    "export": cmd_export,
    "demo": cmd_demo,
    "search": cmd_search,
    "account": cmd_account,
    "sync": cmd_sync,
}
