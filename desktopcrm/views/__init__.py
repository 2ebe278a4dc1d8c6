"""Widgets, Qt item models and dialogs. They talk to ``desktopcrm.services``; never to SQL."""
