"""Notifications in the window: the bell and its panel (the notification centre), desktop
messages through the tray icon, and the background evaluation that finds new ones."""
