"""The address book is loaded once and kept between sync rounds until the change log shows a
change to what it matches on; mail synced after such a change is filed by the new book."""

from __future__ import annotations

import threading

from desktopcrm.models.mail import Folder, MailAccount, MailMessage
from desktopcrm.services import leads, mail, tasks
from desktopcrm.services.mail_filing import address_book
from desktopcrm.services.workspace import Workspace
from desktopcrm.sync.manager import ClientOptions, make_sync
from tests.sync.conftest import ME, make_raw
from tests.sync.fake_gmail import FakeGmail


def run_round(account: MailAccount, options: ClientOptions) -> None:
    make_sync(MailAccount.get_by_id(account.id), options, threading.Event()).run_round()


def test_book_is_kept_until_records_it_matches_on_change(workspace: Workspace) -> None:
    first = address_book()
    assert address_book() is first  # nothing changed: not loaded again

    tasks.create_task(workspace.user, "Call back")  # tasks do not change addresses
    assert address_book() is first

    lead = leads.create_lead(workspace.user, first_name="Bo", last_name="Li", email="bo@li.com")
    second = address_book()
    assert second is not first and second.links_for(["bo@li.com"])
    assert address_book() is second

    leads.update_lead(workspace.user, lead, email="bo@other.com")
    third = address_book()
    assert third is not second
    assert third.links_for(["bo@other.com"]) and not third.links_for(["bo@li.com"])
    assert address_book(fresh=True) is not third


def test_mail_after_a_new_lead_is_filed_with_it(
    workspace: Workspace, gmail: FakeGmail, account: MailAccount, options: ClientOptions
) -> None:
    gmail.add_message(ME, make_raw(sender="Ann <ann@acme.com>"))
    run_round(account, options)
    assert mail.folder_counts(workspace.user)[Folder.UNMATCHED] == 1

    leads.create_lead(workspace.user, first_name="Cy", last_name="Ng", email="cy@acme.com")
    gmail.add_message(ME, make_raw(sender="Cy Ng <cy@acme.com>"))
    run_round(account, options)  # incremental: the cached book is replaced, not reused

    newest = MailMessage.get(MailMessage.from_address == "cy@acme.com")
    assert newest.folder == Folder.INBOX.value and newest.matched
