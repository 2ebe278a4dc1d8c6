"""One Gmail account's sync: full, incremental, bounded resync, and the reconcile check.

A round (``GmailSync.run_round``) first drains the outbox (so the user's changes reach Gmail
before Gmail's state is read back), then:

- **full sync** for a new account: the profile's ``historyId`` is stored first (changes made
  while listing are read by the next incremental round), then ``messages.list`` page by page,
  each page's unknown messages fetched concurrently (``messages.get format=raw``) within the
  account's quota, parsed and stored; the next page token is stored after each page, so an
  interrupted full sync resumes where it stopped;
- **incremental sync** by ``history.list`` from the stored ``historyId``: new messages fetched,
  label changes applied, deleted messages removed;
- **bounded resync** when Gmail answers 404 (history expired): the newest ``resync_limit``
  messages are listed (and the INBOX/TRASH/SPAM/UNREAD members among them), unknown ones are
  fetched and the labels of known ones corrected; nothing is stored twice; stored messages of
  that span that Gmail deleted for good meanwhile are removed (each confirmed by a 404);
- the **check** compares every id in Gmail with the stored ones; with ``fix`` it fetches the
  missing ones and removes those Gmail confirms deleted. Queued outgoing mail is never touched.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import peewee

from desktopcrm.models import utcnow
from desktopcrm.models.mail import MailAccount, MailMessage, SyncState
from desktopcrm.services.mail_filing import AddressBookLike, address_book, rows
from desktopcrm.sync import mail_store
from desktopcrm.sync.gmail_api import GmailApi, RawMessage
from desktopcrm.sync.google_http import Cancelled, NotFoundError
from desktopcrm.sync.outbox import OutboxSender

log = logging.getLogger("desktopcrm.sync.gmail")

#: Labels whose membership the bounded resync reads by listing (cheap: 5 units per 500 ids).
RECONCILED_LABELS = ("INBOX", "TRASH", "SPAM", "UNREAD", "SENT")


@dataclass
class RoundResult:
    """What one round did."""

    kind: str = ""  # full / incremental / resync
    added: int = 0
    labels_changed: int = 0
    removed: int = 0
    sent: int = 0
    outbox_done: int = 0
    outbox_waiting: int = 0  # left for the next round (network trouble)
    skipped: int = 0  # listed, but gone before it could be fetched


@dataclass
class CheckReport:
    """Local mail against Gmail by message id (``GmailSync.check``)."""

    gmail_total: int = 0
    local_total: int = 0
    missing_locally: list[str] = field(default_factory=list)  # in Gmail, not here
    only_locally: list[str] = field(default_factory=list)  # here, no longer in Gmail
    fetched: int = 0
    removed: int = 0  # of ``only_locally``: Gmail confirmed them deleted, removed here (fix)

    @property
    def ok(self) -> bool:
        return not self.missing_locally and not self.only_locally


Progress = Callable[[str, int, int], None]


class GmailSync:
    """Runs rounds for one account (one at a time: the account's queue calls it)."""

    def __init__(
        self,
        account_id: uuid.UUID,
        api: GmailApi,
        *,
        fetch_workers: int = 4,
        page_size: int = 500,
        batch_size: int = 100,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.account_id = account_id
        self.api = api
        self.fetch_workers = fetch_workers
        self.page_size = page_size
        self.batch_size = batch_size
        self.progress = progress or (lambda phase, done, total: None)
        self.cancel = cancel or api.client.cancel

    def account(self) -> MailAccount:
        return MailAccount.get_by_id(self.account_id)

    def run_round(self) -> RoundResult:
        """Drain the outbox, then sync (full, incremental or resync as needed)."""
        result = RoundResult()
        sender = OutboxSender(self.account(), self.api, cancel=self.cancel)
        outcome = sender.drain()
        result.sent, result.outbox_done = outcome.sent, outcome.done
        result.outbox_waiting = outcome.waiting
        account = self.account()
        book = address_book()
        if account.state in (SyncState.NEW, SyncState.FULL) or not account.history_id:
            result.kind = "full"
            self.full_sync(book, result)
        else:
            try:
                result.kind = "incremental"
                self.incremental_sync(book, result)
            except NotFoundError:
                log.info("%s: history expired, bounded resync", account.email)
                result.kind = "resync"
                self.resync(book, result)
        self._save(sync_state=SyncState.INCREMENTAL.value, last_sync_at=utcnow(), last_error="")
        return result

    # ------------------------------------------------------------------ full

    def full_sync(self, book: AddressBookLike, result: RoundResult) -> None:
        account = self.account()
        profile = self.api.profile()
        total = int(profile.get("messagesTotal", 0) or 0)
        if account.state is not SyncState.FULL or not account.history_id:
            self._save(
                history_id=str(profile.get("historyId", "")),
                sync_state=SyncState.FULL.value,
                full_sync_page_token="",
                full_sync_listed=0,
            )
            account = self.account()
        token = account.full_sync_page_token
        listed = account.full_sync_listed
        while True:
            self._check_cancel()
            ids, next_token = self.api.list_ids(page_token=token, page_size=self.page_size)
            listed += len(ids)
            self._fetch_and_store(account, [gmail_id for gmail_id, _ in ids], book, result)
            self.progress("full", listed, total or listed)
            if not next_token:
                break
            token = next_token
            self._save(full_sync_page_token=token, full_sync_listed=listed)
        self._save(full_sync_page_token="", full_sync_listed=listed)

    # ------------------------------------------------------------------ incremental

    def incremental_sync(self, book: AddressBookLike, result: RoundResult) -> None:
        account = self.account()
        start = account.history_id
        token = ""
        latest = start
        added: list[str] = []
        deltas: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
        deleted: set[str] = set()
        while True:
            self._check_cancel()
            data = self.api.history(start, token)
            latest = str(data.get("historyId") or latest)
            for record in data.get("history", []):
                for item in record.get("messagesAdded", []):
                    added.append(str(item["message"]["id"]))
                for item in record.get("labelsAdded", []):
                    ids = tuple(item.get("labelIds", []))
                    deltas.append((str(item["message"]["id"]), ids, ()))
                for item in record.get("labelsRemoved", []):
                    ids = tuple(item.get("labelIds", []))
                    deltas.append((str(item["message"]["id"]), (), ids))
                for item in record.get("messagesDeleted", []):
                    deleted.add(str(item["message"]["id"]))
            token = str(data.get("nextPageToken", ""))
            if not token:
                break
        fresh = [gmail_id for gmail_id in dict.fromkeys(added) if gmail_id not in deleted]
        fetched = set(self._fetch_and_store(account, fresh, book, result))
        changed = [d for d in deltas if d[0] not in fetched and d[0] not in deleted]
        if changed:
            current = mail_store.stored_labels(account, list({d[0] for d in changed}))
            new_labels: dict[str, set[str]] = {k: set(v) for k, v in current.items()}
            for gmail_id, add, remove in changed:
                if gmail_id in new_labels:
                    new_labels[gmail_id].update(add)
                    new_labels[gmail_id].difference_update(remove)
            result.labels_changed += mail_store.set_labels(account, new_labels, book)
        if deleted:
            result.removed += mail_store.remove_messages(account, deleted)
        self._save(history_id=latest)

    # ------------------------------------------------------------------ resync

    def resync(self, book: AddressBookLike, result: RoundResult) -> None:
        """After an expired history: the newest ``resync_limit`` messages, read again."""
        account = self.account()
        profile = self.api.profile()
        limit = max(1, account.resync_limit)
        window = self._list_all(limit, include_spam_trash=True)
        members = {
            label: set(self._list_all(limit, label_ids=(label,), include_spam_trash=True))
            for label in RECONCILED_LABELS
        }
        self._fetch_and_store(account, window, book, result)
        result.removed += self._remove_gone(account, window, complete=len(window) < limit)
        stored = mail_store.stored_labels(account, window)
        corrected: dict[str, set[str]] = {}
        for gmail_id, labels in stored.items():
            new = set(labels) - set(RECONCILED_LABELS)
            new.update(label for label in RECONCILED_LABELS if gmail_id in members[label])
            if new != labels:
                corrected[gmail_id] = new
        result.labels_changed += mail_store.set_labels(account, corrected, book)
        self._save(history_id=str(profile.get("historyId", "")))

    def _list_all(
        self, limit: int, *, label_ids: tuple[str, ...] = (), include_spam_trash: bool = False
    ) -> list[str]:
        ids: list[str] = []
        token = ""
        while len(ids) < limit:
            self._check_cancel()
            page, token = self.api.list_ids(
                page_token=token,
                page_size=min(self.page_size, limit - len(ids)),
                label_ids=label_ids,
                include_spam_trash=include_spam_trash,
            )
            ids.extend(gmail_id for gmail_id, _ in page)
            if not token:
                break
        return ids[:limit]

    # ------------------------------------------------------------------ check

    def check(self, *, fix: bool = False) -> CheckReport:
        """Compare every message id in Gmail with the stored ones; ``fix`` fetches the missing
        ones. Costs 5 units per 500 messages listed."""
        account = self.account()
        gmail_ids = set(self._list_all(10**9, include_spam_trash=True))
        query = MailMessage.select(MailMessage.gmail_id).where(MailMessage.account == account.id)
        local = {row[0] for row in rows(query) if not str(row[0]).startswith("outbox:")}
        report = CheckReport(
            gmail_total=len(gmail_ids),
            local_total=len(local),
            missing_locally=sorted(gmail_ids - local),
            only_locally=sorted(local - gmail_ids),
        )
        if fix and report.missing_locally:
            result = RoundResult()
            self._fetch_and_store(account, report.missing_locally, address_book(), result)
            report.fetched = result.added
        if fix and report.only_locally:
            gone = self._confirmed_gone(report.only_locally)
            report.removed = mail_store.remove_messages(account, gone)
        return report

    # ------------------------------------------------------------------ deleted in Gmail

    def _remove_gone(self, account: MailAccount, window: list[str], *, complete: bool) -> int:
        """After a resync: remove the stored messages Gmail deleted for good while its history
        was out of reach. Candidates are the stored messages missing from the listed window
        (all of them if the window is the whole mailbox, else those dated inside it); each is
        removed only when Gmail answers 404 for it. Messages waiting in the outbox (not in
        Gmail yet) are never candidates."""
        listed = set(window)
        query = MailMessage.select(MailMessage.gmail_id).where(
            MailMessage.account == account.id, ~MailMessage.gmail_id.startswith("outbox:")
        )
        if not complete:
            if not window:
                return 0
            dates = [
                MailMessage.select(peewee.fn.MIN(MailMessage.date))
                .where(
                    MailMessage.account == account.id,
                    MailMessage.gmail_id.in_(window[start : start + 500]),
                )
                .scalar()
                for start in range(0, len(window), 500)
            ]
            known = [date for date in dates if date is not None]
            if not known:
                return 0
            oldest = min(known)
            query = query.where(MailMessage.date >= oldest)
        candidates = [gmail_id for (gmail_id,) in rows(query) if gmail_id not in listed]
        if not candidates:
            return 0
        return mail_store.remove_messages(account, self._confirmed_gone(candidates))

    def _confirmed_gone(self, gmail_ids: list[str]) -> list[str]:
        """Those of ``gmail_ids`` Gmail answers 404 for (5 units each, concurrently)."""

        def gone(gmail_id: str) -> bool:
            self._check_cancel()
            try:
                self.api.get_labels(gmail_id)
            except NotFoundError:
                return True
            return False

        with ThreadPoolExecutor(self.fetch_workers, thread_name_prefix="gmail-gone") as pool:
            answers = list(pool.map(gone, gmail_ids))
        return [gmail_id for gmail_id, is_gone in zip(gmail_ids, answers, strict=True) if is_gone]

    # ------------------------------------------------------------------ fetching

    def _fetch_and_store(
        self,
        account: MailAccount,
        gmail_ids: list[str],
        book: AddressBookLike,
        result: RoundResult,
    ) -> list[str]:
        """Fetch the ids not stored yet (concurrently, within quota) and store them in batches;
        returns the ids fetched."""
        known = mail_store.known_gmail_ids(account, gmail_ids)
        wanted = [gmail_id for gmail_id in gmail_ids if gmail_id not in known]
        if not wanted:
            return []
        batch: list[mail_store.PreparedMessage] = []
        done: list[str] = []
        for gmail_id, prepared in self._fetch(wanted):
            if prepared is None:
                result.skipped += 1
                continue
            batch.append(prepared)
            done.append(gmail_id)
            if len(batch) >= self.batch_size:
                result.added += mail_store.store_batch(account, batch, book)
                batch = []
        result.added += mail_store.store_batch(account, batch, book)
        return done

    def _fetch(
        self, gmail_ids: list[str]
    ) -> Iterator[tuple[str, mail_store.PreparedMessage | None]]:
        def one(gmail_id: str) -> mail_store.PreparedMessage | None:
            if self.cancel.is_set():
                raise Cancelled()
            try:
                fetched: RawMessage = self.api.get_raw(gmail_id)
            except NotFoundError:
                return None  # deleted since it was listed
            return mail_store.prepare(fetched)

        with ThreadPoolExecutor(self.fetch_workers, thread_name_prefix="gmail-get") as pool:
            window = max(self.fetch_workers * 4, self.batch_size * 2)  # fetch while storing
            pending: list[tuple[str, Future[mail_store.PreparedMessage | None]]] = []
            queue = iter(gmail_ids)
            try:
                for gmail_id in _take(queue, window):
                    pending.append((gmail_id, pool.submit(one, gmail_id)))
                while pending:
                    gmail_id, future = pending.pop(0)
                    prepared = future.result()
                    for next_id in _take(queue, 1):
                        pending.append((next_id, pool.submit(one, next_id)))
                    yield gmail_id, prepared
            finally:
                for _, future in pending:
                    future.cancel()

    # ------------------------------------------------------------------ helpers

    def _save(self, **values: object) -> None:
        MailAccount.update(**values).where(MailAccount.id == self.account_id).execute()

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()


def _take(items: Iterator[str], count: int) -> Iterable[str]:
    for _ in range(count):
        try:
            yield next(items)
        except StopIteration:
            return
