# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import pytest

from ..errors import (
    ConnectorError,
    OutcomeUnknownError,
    PermanentError,
    TransientError,
)


@pytest.mark.parametrize(
    ("error_class", "retryable"),
    [
        (TransientError, True),
        (OutcomeUnknownError, True),
        (PermanentError, False),
    ],
)
def test_only_transient_errors_are_retried(error_class, retryable):
    error = error_class("Service unavailable")
    assert isinstance(error, ConnectorError)
    assert error.retryable is retryable


def test_error_shows_the_peer_code():
    error = PermanentError("Structure not found", code="20001", details="Libellé")
    assert str(error) == "[20001] Structure not found"
    assert error.details == "Libellé"
    assert str(PermanentError("Timeout")) == "Timeout"
