# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Helpers shared by the connector tests, written once for every peer."""

import socket
import subprocess
import sys
import time
import traceback
from datetime import date, datetime, timezone
from pathlib import Path

import requests

from ..errors import OutcomeUnknownError, TransientError
from ..pa.cdar import LifecycleStatus

ADDON = Path(__file__).resolve().parents[2]
ISSUED = datetime(2026, 12, 3, 9, 30, 15, tzinfo=timezone.utc)

# A ``requests`` error raised while a write is sent, and what it becomes:
# only an error before the request left is safe to send again.
SEND_ERRORS = [
    (requests.ConnectTimeout("connect timed out"), TransientError),
    (requests.ReadTimeout("read timed out"), OutcomeUnknownError),
    (requests.ConnectionError("Connection aborted."), OutcomeUnknownError),
]


def unused_port():
    """A port on 127.0.0.1 that nothing listens on (until someone takes it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_command(module, *args):
    """``python -m module args`` from the add-on's folder, its output readable."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ADDON,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_for(condition, seconds=10):
    """Wait for what a local peer finishes in its own threads."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def calls(simulator, path):
    return simulator.state()["calls"].get(path, 0)


def answers(simulator, path, status):
    return simulator.state()["answers"].get(path, {}).get(str(status), 0)


def assert_no_secret_in(error, *secrets):
    """Neither the error's text, details nor traceback hold any of ``secrets``."""
    text = "\n".join(
        [str(error), repr(error), str(error.details)]
        + traceback.format_exception(type(error), error, error.__traceback__)
    )
    for secret in secrets:
        if secret:
            assert secret not in text


class FailingSession:
    """A session whose API calls raise ``error`` (the token request works)."""

    def __init__(self, error):
        self.error = error

    def post(self, url, **values):
        response = requests.Response()
        response.status_code = 200
        response._content = b'{"access_token": "t", "expires_in": 3600}'
        return response

    def request(self, method, url, **values):
        raise self.error


def lifecycle_status(code=212, **values):
    """A status of the invoice FA-2026-0042 from 123456782 to 552100554."""
    base = {
        "message_id": "",
        "issued_at": ISSUED,
        "invoice_number": "FA-2026-0042",
        "invoice_date": date(2026, 11, 2),
        "invoice_type_code": "380",
        "seller_siren": "123456782",
        "buyer_siren": "552100554",
        "status_code": code,
    }
    base.update(values)
    return LifecycleStatus(**base)
