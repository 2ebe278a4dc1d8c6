"""The Tasks screen and the task dialog."""
