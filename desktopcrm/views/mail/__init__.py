"""The Mailbox: folders, the lazy message list, the reading pane and the Mail card of record
pages (issue #7)."""
