"""A separate process that increments a shared counter record under optimistic versioning.

Run: python counter_worker.py DATABASE MODE INCREMENTS NAME
"""

from __future__ import annotations

import sys

import peewee

from desktopcrm.models import BaseModel, StaleRecordError, User
from desktopcrm.services.workspace import close_workspace, open_workspace


class Counter(BaseModel):
    value = peewee.IntegerField(default=0)

    class Meta:
        table_name = "test_counter"


def main() -> int:
    spec, mode, increments, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    shared = {"shared": True, "local": False}.get(mode)
    open_workspace(spec, shared=shared)
    conflicts = 0
    done = 0
    while done < increments:
        counter = Counter.get()
        counter.value += 1
        try:
            counter.save()
        except StaleRecordError:
            conflicts += 1
            continue
        done += 1
        User(name=f"{name} {done}").save()
    close_workspace()
    print(conflicts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
