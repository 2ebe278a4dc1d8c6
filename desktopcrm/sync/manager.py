"""Background mail sync: one serial job queue per account, queues side by side.

``SyncManager`` is Qt-free: each account has a worker thread that runs its jobs one after
another (a sync round, the reconcile check); accounts run in parallel. The GUI reads
``status()`` (a snapshot per account) and may pass ``on_change``, called from worker threads
whenever a status changes (a Qt caller re-emits it as a signal). ``sync_now``, ``cancel`` and
``stop`` control it. ``sync_once`` runs one round for every account without a window (CLI).

Errors of a round are kept in the account (``last_error``) and the status; a revoked sign-in
sets the account to ``needs_sign_in``; the network being away leaves everything queued for
the next round.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from desktopcrm.models import utcnow
from desktopcrm.models.db import database
from desktopcrm.models.mail import MailAccount, SyncState
from desktopcrm.sync.accounts import KeyringUnavailable, credentials_for
from desktopcrm.sync.gmail_api import GmailApi
from desktopcrm.sync.gmail_sync import CheckReport, GmailSync, Progress, RoundResult
from desktopcrm.sync.google_http import (
    AuthError,
    Cancelled,
    GoogleClient,
    GoogleError,
    NetworkError,
    QuotaLimiter,
    RetryPolicy,
    Transport,
)

log = logging.getLogger("desktopcrm.sync")


@dataclass(frozen=True)
class AccountStatus:
    """What the GUI shows for an account's sync right now."""

    account_id: uuid.UUID
    email: str
    activity: str = "idle"  # idle / syncing / checking / stopped
    phase: str = ""  # full / incremental / resync ...
    done: int = 0
    total: int = 0
    last_result: RoundResult | None = None
    last_error: str = ""
    offline: bool = False
    needs_sign_in: bool = False


@dataclass
class ClientOptions:
    """How the account clients talk to Google (tests hand in short timeouts and retries)."""

    transport_factory: Callable[[], Transport] | None = None
    timeout: float = 30.0
    retry: RetryPolicy | None = None
    fetch_workers: int = 4


def make_client(
    account: MailAccount, options: ClientOptions, cancel: threading.Event
) -> GoogleClient:
    """A fresh client for ``account`` (its own transport and quota limiter)."""
    return GoogleClient(
        credentials_for(account),
        transport=options.transport_factory() if options.transport_factory else None,
        timeout=options.timeout,
        limiter=QuotaLimiter(account.quota_units_per_second),
        retry=options.retry,
        cancel=cancel,
    )


def make_sync(
    account: MailAccount,
    options: ClientOptions,
    cancel: threading.Event,
    progress: Progress | None = None,
) -> GmailSync:
    """The sync of ``account`` over a fresh client (its own transport and quota limiter)."""
    return GmailSync(
        account.id,
        GmailApi(make_client(account, options, cancel)),
        fetch_workers=options.fetch_workers,
        progress=progress,
        cancel=cancel,
    )


def record_failure(account_id: uuid.UUID, exc: BaseException) -> None:
    """Keep why a round failed on the account (the health view shows it)."""
    values: dict[str, object] = {"last_error": str(exc)[:2000], "last_error_at": utcnow()}
    if isinstance(exc, AuthError | KeyringUnavailable):
        values["sync_state"] = SyncState.NEEDS_SIGN_IN.value
    MailAccount.update(**values).where(MailAccount.id == account_id).execute()


class AccountQueue:
    """One account's worker thread running its jobs in order."""

    def __init__(self, manager: SyncManager, account: MailAccount) -> None:
        self.manager = manager
        self.account_id = account.id
        self.jobs: queue.Queue[str | None] = queue.Queue()
        self.cancel = threading.Event()
        self.status = AccountStatus(account.id, account.email)
        self.idle = threading.Event()
        self.idle.set()
        self.thread = threading.Thread(target=self._run, name=f"mail-{account.email}", daemon=True)

    def submit(self, job: str) -> None:
        if job == "round" and "round" in list(self.jobs.queue):
            return
        self.idle.clear()
        self.jobs.put(job)

    def _set(self, **changes: object) -> None:
        self.status = replace(self.status, **changes)  # type: ignore[arg-type]
        self.manager._changed(self.status)

    def _run(self) -> None:
        try:
            while True:
                job = self.jobs.get()
                if job is None:
                    break
                self._job(job)
                if self.jobs.empty():
                    self.idle.set()
        finally:
            self.idle.set()
            if not database.is_closed():
                database.close()

    def _job(self, job: str) -> None:
        self.cancel.clear()
        self._set(activity="syncing" if job == "round" else "checking", done=0, total=0)
        try:
            account = MailAccount.get_by_id(self.account_id)
            sync = make_sync(account, self.manager.options, self.cancel, self._progress)
            if job == "round":
                result = sync.run_round()
                self._set(
                    activity="idle",
                    last_result=result,
                    last_error="",
                    offline=False,
                    needs_sign_in=False,
                )
            else:
                report = sync.check(fix=job == "check-fix")
                self.manager.last_check[self.account_id] = report
                self._set(activity="idle")
        except Cancelled:
            self._set(activity="idle", phase="stopped")
        except GoogleError as exc:
            record_failure(self.account_id, exc)
            self._set(
                activity="idle",
                last_error=str(exc),
                offline=isinstance(exc, NetworkError),
                needs_sign_in=isinstance(exc, AuthError | KeyringUnavailable),
            )
        except Exception as exc:  # a bug: keep the worker alive, log it, show it
            log.exception("mail sync of %s failed", self.status.email)
            record_failure(self.account_id, exc)
            self._set(activity="idle", last_error=f"Internal error: {exc}")

    def _progress(self, phase: str, done: int, total: int) -> None:
        self._set(phase=phase, done=done, total=total)


class SyncManager:
    """Owns the account queues. ``start`` them, ``sync_now``, ``cancel``, ``stop``."""

    def __init__(
        self,
        *,
        options: ClientOptions | None = None,
        interval: float = 300.0,
        on_change: Callable[[AccountStatus], None] | None = None,
    ) -> None:
        self.options = options or ClientOptions()
        self.interval = interval
        self.on_change = on_change
        self.queues: dict[uuid.UUID, AccountQueue] = {}
        self.last_check: dict[uuid.UUID, CheckReport] = {}
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self._lock = threading.Lock()

    def _changed(self, status: AccountStatus) -> None:
        if self.on_change is not None:
            try:
                self.on_change(status)
            except Exception:
                log.exception("sync status listener failed")

    def start(self, *, periodic: bool = True) -> None:
        """Start a queue for every enabled account (and the periodic rounds)."""
        self.refresh_accounts()
        if periodic and self._timer is None:
            self._timer = threading.Thread(target=self._tick, name="mail-timer", daemon=True)
            self._timer.start()

    def refresh_accounts(self) -> None:
        """Pick up accounts added or removed since ``start``."""
        with self._lock:
            accounts = {
                a.id: a
                for a in MailAccount.live().where(MailAccount.enabled == True)  # noqa: E712
            }
            for account_id in list(self.queues):
                if account_id not in accounts:
                    self._stop_queue(self.queues.pop(account_id))
            for account_id, account in accounts.items():
                if account_id not in self.queues:
                    worker = AccountQueue(self, account)
                    self.queues[account_id] = worker
                    worker.thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self.sync_now()

    def sync_now(self, account_id: uuid.UUID | None = None) -> None:
        """Queue a round for one account or all."""
        for worker in self._targets(account_id):
            worker.submit("round")

    def check(self, account_id: uuid.UUID, *, fix: bool = False) -> None:
        """Queue the reconcile check (results in ``last_check``)."""
        for worker in self._targets(account_id):
            worker.submit("check-fix" if fix else "check")

    def cancel(self, account_id: uuid.UUID | None = None) -> None:
        """Stop the running job(s) at the next safe point; queued jobs are dropped."""
        for worker in self._targets(account_id):
            while not worker.jobs.empty():
                try:
                    worker.jobs.get_nowait()
                except queue.Empty:
                    break
            worker.cancel.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queue is idle; False on timeout."""
        return all(worker.idle.wait(timeout) for worker in list(self.queues.values()))

    def status(self) -> dict[uuid.UUID, AccountStatus]:
        return {account_id: worker.status for account_id, worker in self.queues.items()}

    def stop(self, *, wait: bool = True) -> None:
        self._stop.set()
        with self._lock:
            workers = list(self.queues.values())
            self.queues.clear()
        for worker in workers:
            self._stop_queue(worker)
        if wait:
            for worker in workers:
                worker.thread.join(timeout=30)

    def _stop_queue(self, worker: AccountQueue) -> None:
        worker.cancel.set()
        worker.jobs.put(None)
        worker.status = replace(worker.status, activity="stopped")

    def _targets(self, account_id: uuid.UUID | None) -> list[AccountQueue]:
        if account_id is None:
            return list(self.queues.values())
        worker = self.queues.get(account_id)
        return [worker] if worker else []


@dataclass(frozen=True)
class RoundOutcome:
    email: str
    result: RoundResult | None
    error: str = ""


def sync_once(options: ClientOptions | None = None) -> list[RoundOutcome]:
    """One round for every enabled account, queues side by side, without a window."""
    manager = SyncManager(options=options)
    manager.start(periodic=False)
    manager.sync_now()
    manager.wait_idle()
    outcomes = [
        RoundOutcome(status.email, status.last_result, status.last_error)
        for status in manager.status().values()
    ]
    manager.stop()
    return sorted(outcomes, key=lambda o: o.email)
