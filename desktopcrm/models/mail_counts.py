"""How many messages, and how many unread, each account has in each folder (schema 6).

The mailbox shows these counts beside its folders and re-reads them after every change; counted
from ``mail_message`` they cost a walk over the folder's index (a 250,000-message Inbox: ~100 ms
for the total, ~400 ms for the unread ones, whose flag no index holds). So the database keeps
them itself: triggers on ``mail_message`` add and subtract as rows are inserted, deleted, or
change account, folder or unread flag, in the same statement as the change, whoever makes it
(the sync's bulk stores, the mailbox's archive, a cascade from a deleted account). Reading a
count is then one row.
"""

from __future__ import annotations

import peewee

from desktopcrm.models.db import database


class MailFolderCount(peewee.Model):
    """Messages of one account in one folder (kept by triggers; never written by code)."""

    account_id = peewee.UUIDField()
    folder = peewee.CharField(max_length=16)
    total = peewee.IntegerField(default=0)
    unread = peewee.IntegerField(default=0)

    class Meta:
        database = database
        table_name = "mail_folder_count"
        primary_key = peewee.CompositeKey("account_id", "folder")


_ADD = (
    "INSERT INTO mail_folder_count (account_id, folder, total, unread) "
    "VALUES (NEW.account_id, NEW.folder, 1, CASE WHEN NEW.unread THEN 1 ELSE 0 END) "
    "ON CONFLICT (account_id, folder) DO UPDATE SET "
    "total = mail_folder_count.total + 1, "
    "unread = mail_folder_count.unread + excluded.unread;"
)
_SUBTRACT = (
    "UPDATE mail_folder_count SET total = total - 1, "
    "unread = unread - CASE WHEN OLD.unread THEN 1 ELSE 0 END "
    "WHERE account_id = OLD.account_id AND folder = OLD.folder;"
)
_CHANGED = (
    "OLD.account_id IS NOT NEW.account_id OR OLD.folder IS NOT NEW.folder "
    "OR OLD.unread IS NOT NEW.unread"
)

_SQLITE = (
    f"CREATE TRIGGER IF NOT EXISTS mail_count_ai AFTER INSERT ON mail_message BEGIN {_ADD} END",
    f"CREATE TRIGGER IF NOT EXISTS mail_count_ad AFTER DELETE ON mail_message BEGIN "
    f"{_SUBTRACT} END",
    f"CREATE TRIGGER IF NOT EXISTS mail_count_au AFTER UPDATE OF account_id, folder, unread "
    f"ON mail_message WHEN {_CHANGED} BEGIN {_SUBTRACT} {_ADD} END",
)

_POSTGRES = (
    "CREATE OR REPLACE FUNCTION mail_folder_count_track() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP <> 'INSERT' THEN {_SUBTRACT} END IF; "
    f"IF TG_OP <> 'DELETE' THEN {_ADD} END IF; "
    "RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS mail_count_aid ON mail_message",
    "CREATE TRIGGER mail_count_aid AFTER INSERT OR DELETE ON mail_message "
    "FOR EACH ROW EXECUTE FUNCTION mail_folder_count_track()",
    "DROP TRIGGER IF EXISTS mail_count_au ON mail_message",
    "CREATE TRIGGER mail_count_au AFTER UPDATE OF account_id, folder, unread ON mail_message "
    f"FOR EACH ROW WHEN ({_CHANGED.replace('IS NOT', 'IS DISTINCT FROM')}) "
    "EXECUTE FUNCTION mail_folder_count_track()",
)


def create_folder_counts(db: peewee.Database) -> None:
    """The counts table, filled from the messages stored so far, and its triggers (migration 6)."""
    db.create_tables([MailFolderCount], safe=True)
    db.execute_sql("DELETE FROM mail_folder_count")
    db.execute_sql(
        "INSERT INTO mail_folder_count (account_id, folder, total, unread) "
        "SELECT account_id, folder, COUNT(*), SUM(CASE WHEN unread THEN 1 ELSE 0 END) "
        "FROM mail_message GROUP BY account_id, folder"
    )
    for statement in _POSTGRES if isinstance(db, peewee.PostgresqlDatabase) else _SQLITE:
        db.execute_sql(statement)
