# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Errors raised by the connectors.

The transmission engine retries a :class:`TransientError` (the same request
may succeed later) and never retries a :class:`PermanentError` (the peer
answered no, or the input is wrong): a person has to act first.
"""


class ConnectorError(Exception):
    """Base class of every error a connector raises.

    :param message: what went wrong, in words a user can act on.
    :param code: the peer's own error code, when it sent one.
    :param details: the peer's own label or extra data, kept for the record.
    """

    retryable = False

    def __init__(self, message, *, code=None, details=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details

    def __str__(self):
        return f"[{self.code}] {self.message}" if self.code else self.message


class TransientError(ConnectorError):
    """The peer could not be reached or asked to come back later."""

    retryable = True


class PermanentError(ConnectorError):
    """The peer refused the request, or the request itself is invalid."""


class OutcomeUnknownError(TransientError):
    """The request may have reached the peer but no answer came back.

    The caller must look the document up at the peer before sending again.
    """
