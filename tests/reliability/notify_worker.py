"""A separate app that changes records as one user, for notification tests.

Run: python notify_worker.py DATABASE MODE USER_NAME
It creates a 9,000 deal and moves it to the Quote stage, a small deal moved there too, and (as the
first admin) a lead owned by Marta Manager, all through the services, as USER_NAME.
"""

from __future__ import annotations

import sys

from desktopcrm.models import User
from desktopcrm.models.records import Stage
from desktopcrm.services import deals, leads
from desktopcrm.services.workspace import close_workspace, open_workspace


def main() -> int:
    spec, mode, name = sys.argv[1], sys.argv[2], sys.argv[3]
    open_workspace(spec, shared={"shared": True, "local": False}.get(mode))
    try:
        actor = User.get(User.name == name)
        marta = User.get(User.name == "Marta Manager")
        quote = Stage.get(Stage.name.startswith("Quote"))
        big = deals.create_deal(actor, "Harbour cranes", 9000)
        deals.move_deal(actor, big, quote)
        small = deals.create_deal(actor, "Spare bolts", 90)
        deals.move_deal(actor, small, quote)
        admin = User.select().where(User.profile == "admin").order_by(User.created_at).get()
        leads.create_lead(admin, last_name="Vidal", owner=marta, check_duplicates=False)
    finally:
        close_workspace()
    return 0


if __name__ == "__main__":
    sys.exit(main())
