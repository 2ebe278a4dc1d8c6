"""Rule violations the services refuse, with messages meant for the user."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the CRM's rules refuse; the message says why and what to do."""


class PermissionDenied(ServiceError):
    """The acting user's profile does not allow this."""


class ValidationError(ServiceError):
    """A value is not acceptable; ``field`` names the field for inline messages."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)
