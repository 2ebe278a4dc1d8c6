"""Records at scale: demo data build, search, filtered lists and CSV import.

1. ``desktopcrm demo --contacts 100000 --deals 20000 --leads 50000 --seed S`` into an empty
   database: wall time and the process's peak RSS (target < 60 s, memory flat). The built
   database is cached in the temp folder, keyed by seed, counts and schema; a cached build
   reports the figures of the run that built it (``"cached": true``). ``--rebuild`` forces it.
2. Search over that database (in a separate process, as the admin): p95 per query for 2-4
   letter prefixes and for full words taken from the data, at least 200 of each (< 20 ms).
3. Filtered list queries: one page of 200 rows, sorted, filtered on built-in fields and on
   custom fields (``custom_fields.filter_expression`` / ``order_by``): p95 (< 20 ms).
4. ``desktopcrm import contact FILE`` of 50,000 new rows into a copy of that database, and
   into an empty database: wall time and peak RSS (target < 20 s, memory flat).

Prints one JSON line per figure (see README.md). ``--only search,import`` measures only some
sections (``demo``, ``search``, ``lists``, ``import``); the demo database is built or reused
whenever a section needs it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import APP, BenchmarkError, emit, fail, isolated_env, temp_root

NAME = "records"
DEMO_TARGET_S = 60.0
QUERY_TARGET_MS = 20.0
IMPORT_TARGET_S = 20.0
COUNTS = {"contacts": 100_000, "deals": 20_000, "leads": 50_000}
IMPORT_ROWS = 50_000
SECTIONS = ("demo", "search", "lists", "import")


def layout_digest() -> str:
    """A short hash of every table's columns, so a cached database with another layout (an
    unreleased schema changed in place) is rebuilt rather than measured."""
    import hashlib

    import peewee

    import desktopcrm.models.schema  # noqa: F401  (imports every model)

    def models(cls: type[peewee.Model]) -> Iterator[type[peewee.Model]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from models(sub)

    columns = sorted(
        {
            f"{m._meta.table_name}.{f.column_name}"
            for m in models(peewee.Model)
            for f in m._meta.sorted_fields
        }
    )
    return hashlib.blake2b("\n".join(columns).encode(), digest_size=4).hexdigest()


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stdout = proc.stdout.read() if proc.stdout else ""
    stderr = proc.stderr.read() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in (0, 3):
        raise BenchmarkError(f"{' '.join(cmd)} exited {code}\n{stdout}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024, stdout


def cached_database(seed: int, rebuild: bool, env: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    """The demo database for ``seed`` (built unless cached) and the figures of its build."""
    from desktopcrm.models import SCHEMA_VERSION

    key = (
        f"{seed}-{COUNTS['contacts']}-{COUNTS['deals']}-{COUNTS['leads']}-s{SCHEMA_VERSION}"
        f"-{layout_digest()}"
    )
    folder = Path(tempfile.gettempdir()) / "desktopcrm-bench-records"
    folder.mkdir(exist_ok=True)
    database = folder / f"demo-{key}.sqlite"
    facts = folder / f"demo-{key}.json"
    if database.exists() and facts.exists() and not rebuild:
        return database, {**json.loads(facts.read_text()), "cached": True}
    for stale in folder.glob(f"demo-{key}.sqlite*"):
        stale.unlink()
    cmd = [*APP, "--database", str(database), "demo", "--seed", str(seed)]
    for name, count in COUNTS.items():
        cmd += [f"--{name}", str(count)]
    print(f"building the demo database ({' '.join(cmd[2:])})...", file=sys.stderr)
    elapsed, rss, _ = run_measured(cmd, env)
    figures = {"build_s": round(elapsed, 2), "peak_rss_mib": round(rss, 1)}
    facts.write_text(json.dumps(figures))
    return database, {**figures, "cached": False}


def p95(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=20)[18], 3)


def measure_queries(database: Path, seed: int) -> list[dict[str, Any]]:
    """Search and list timings, in this process (run as a child with the isolated env)."""
    from desktopcrm.models.custom_fields import CustomField
    from desktopcrm.models.records import Contact, Deal, Lead, LeadStatus, Stage
    from desktopcrm.services import custom_fields
    from desktopcrm.services.search import search, words
    from desktopcrm.services.visibility import scope
    from desktopcrm.services.workspace import open_workspace

    workspace = open_workspace(database)
    admin = workspace.user
    rng = random.Random(seed)
    sample = [c.name for c in Contact.select(Contact.name).order_by(Contact.id).limit(3000)]
    sample += [f"{d.name}" for d in Deal.select(Deal.name).order_by(Deal.id).limit(500)]
    vocabulary = sorted({w for text in sample for w in words(text) if len(w) >= 4})
    prefixes = [w[: rng.choice((2, 3, 4))] for w in rng.sample(vocabulary, 250)]
    full_words = rng.sample(vocabulary, 250)

    def timed(callable_: Any) -> float:
        start = time.perf_counter()
        callable_()
        return (time.perf_counter() - start) * 1000

    search(admin, "warm up")
    results: list[dict[str, Any]] = []
    for label, queries in (("prefix", prefixes), ("word", full_words)):
        times = [timed(lambda q=q: search(admin, q)) for q in queries]
        results.append(
            {
                "benchmark": f"{NAME}.search_{label}",
                "queries": len(times),
                "p50_ms": round(statistics.median(times), 3),
                "p95_ms": p95(times),
                "max_ms": round(max(times), 3),
                "target_ms": QUERY_TARGET_MS,
                "ok": p95(times) < QUERY_TARGET_MS,
            }
        )
    manager = next(u for u in workspace_users() if u.name == "Marta Ferrer")
    times = [timed(lambda q=q: search(manager, q)) for q in prefixes]
    results.append(
        {
            "benchmark": f"{NAME}.search_prefix_manager",
            "queries": len(times),
            "p50_ms": round(statistics.median(times), 3),
            "p95_ms": p95(times),
            "target_ms": QUERY_TARGET_MS,
            "ok": p95(times) < QUERY_TARGET_MS,
        }
    )

    cities = [r.city for r in Contact.select(Contact.city).distinct()]
    statuses = list(LeadStatus.select())
    stages = list(Stage.select())
    industry = CustomField.get(CustomField.key == "industry")
    employees = CustomField.get(CustomField.key == "employees")
    interest = CustomField.get(CustomField.key == "interest")
    industries = [o.label for o in custom_fields.options_of(industry)]

    def page(query: Any) -> None:
        list(query.limit(200))

    builtin = [
        lambda: page(
            scope(Contact.live(), Contact, manager)
            .where(Contact.city == rng.choice(cities))
            .order_by(Contact.name, Contact.id)
        ),
        lambda: page(
            Lead.live()
            .where(Lead.status == rng.choice(statuses).id)
            .order_by(Lead.last_name, Lead.first_name, Lead.id)
        ),
        lambda: page(
            Deal.live()
            .where(Deal.stage == rng.choice(stages).id)
            .order_by(Deal.value.desc(), Deal.id)
        ),
        lambda: page(
            Contact.live()
            .where(Contact.prospect_status == "current")
            .order_by(Contact.updated_at.desc(), Contact.id)
        ),
    ]
    custom = [
        lambda: page(
            custom_fields.order_by(
                Contact.live().where(
                    custom_fields.filter_expression(Contact, industry, "eq", rng.choice(industries))
                ),
                Contact,
                employees,
                descending=True,
            )
        ),
        lambda: page(
            custom_fields.order_by(
                Contact.live().where(
                    custom_fields.filter_expression(Contact, employees, "ge", rng.choice((50, 300)))
                ),
                Contact,
                employees,
            )
        ),
        lambda: page(custom_fields.order_by(scope(Lead.live(), Lead, manager), Lead, interest)),
    ]
    for label, queries in (("builtin", builtin), ("custom", custom)):
        for query in queries:
            query()
        times = [timed(rng.choice(queries)) for _ in range(200)]
        results.append(
            {
                "benchmark": f"{NAME}.list_{label}",
                "queries": len(times),
                "page": 200,
                "p50_ms": round(statistics.median(times), 3),
                "p95_ms": p95(times),
                "max_ms": round(max(times), 3),
                "target_ms": QUERY_TARGET_MS,
                "ok": p95(times) < QUERY_TARGET_MS,
            }
        )
    return results


def workspace_users() -> list[Any]:
    from desktopcrm.models import User

    return list(User.select())


def write_import_file(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    first = ["Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Iker", "Jana"]
    last = ["Abbott", "Bauer", "Costa", "Dąbrowski", "Eriksen", "Folau", "Garnier", "Horvat"]
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "First Name",
                "Last Name",
                "Email",
                "Phone",
                "Company",
                "Job Title",
                "City",
                "Tags",
                "Industry",
                "Employees",
            ]
        )
        for index in range(rows):
            writer.writerow(
                [
                    rng.choice(first),
                    rng.choice(last),
                    f"bench.import.{index}@example.org",
                    f"+1 555 {index:07d}",
                    f"Imported Company {index % 2000}",
                    "Buyer",
                    "Springfield",
                    "imported, bench",
                    rng.choice(["Retail", "Software", "Energy"]),
                    str(rng.randint(1, 5000)),
                ]
            )


def section_of(result: dict[str, Any]) -> str:
    name = result["benchmark"].removeprefix(f"{NAME}.")
    return "search" if name.startswith("search") else "lists" if name.startswith("list") else name


def measure(
    seed: int, rebuild: bool, sections: tuple[str, ...] = SECTIONS
) -> Iterator[dict[str, Any]]:
    """Every figure, as soon as it is measured."""
    with temp_root() as tmp:
        root = Path(tmp)
        env = isolated_env(root)
        database, build = cached_database(seed, rebuild, env)
        if "demo" in sections:
            yield (
                {
                    "benchmark": f"{NAME}.demo_build",
                    **COUNTS,
                    "seconds": build["build_s"],
                    "peak_rss_mib": build["peak_rss_mib"],
                    "cached": build["cached"],
                    "target_s": DEMO_TARGET_S,
                    "ok": build["build_s"] < DEMO_TARGET_S,
                }
            )
        if {"search", "lists"} & set(sections):
            proc = subprocess.run(
                [sys.executable, __file__, "--queries", str(database), "--seed", str(seed)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=900,
            )
            if proc.returncode != 0:
                raise BenchmarkError(f"query measurements failed:\n{proc.stderr}")
            for line in proc.stdout.splitlines():
                if line.strip() and section_of(result := json.loads(line)) in sections:
                    yield result

        if "import" not in sections:
            return
        source = root / "contacts.csv"
        write_import_file(source, IMPORT_ROWS, seed)
        copy = root / "import.sqlite"
        print("copying the demo database for the import...", file=sys.stderr)
        shutil.copyfile(database, copy)
        for label, target in (("csv_import", copy), ("csv_import_empty_db", root / "empty.sqlite")):
            report = root / f"{label}.json"
            elapsed, rss, _ = run_measured(
                [
                    *APP,
                    "--database",
                    str(target),
                    "import",
                    "contact",
                    str(source),
                    "--report",
                    str(report),
                ],
                env,
            )
            summary = json.loads(report.read_text())
            yield {
                "benchmark": f"{NAME}.{label}",
                "into": "the demo database" if target == copy else "an empty database",
                "rows": summary["rows"],
                "accepted": summary["accepted"],
                "rejected": summary["rejected"],
                "seconds": round(elapsed, 2),
                "peak_rss_mib": round(rss, 1),
                "target_s": IMPORT_TARGET_S,
                "ok": elapsed < IMPORT_TARGET_S and summary["accepted"] == IMPORT_ROWS,
            }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached demo database")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to measure (default: all of {','.join(SECTIONS)})",
    )
    parser.add_argument("--queries", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
    if unknown := set(sections) - set(SECTIONS):
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.queries:
        for result in measure_queries(args.queries, args.seed):
            emit(result)
        return 0
    try:
        for result in measure(args.seed, args.rebuild, sections):
            emit(result)
    except (BenchmarkError, OSError, subprocess.SubprocessError) as error:
        return fail(NAME, error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
