"""Errors raised by action functions, shared by pages and the API.

Pages show them as a message; the API maps ``TransitionNotAllowed`` to 400 and ``Conflict`` to 409.
"""
from rest_framework import status
from rest_framework.exceptions import APIException


class ActionError(Exception):
    """A business rule refused the action; ``message`` is for the person who tried."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(ActionError):
    pass


class Conflict(ActionError):
    """Someone else changed the object since the caller saw it."""


class ConflictApiError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def api_error(exc: ActionError) -> APIException:
    from rest_framework.exceptions import ValidationError

    if isinstance(exc, Conflict):
        return ConflictApiError(exc.message)
    return ValidationError({"detail": exc.message})
