# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Signed webhook notifications from a platform: our own convention.

The Flow Service standard lists webhook subscriptions but no public text
says what a platform's notification looks like, so this module fixes one,
which the local PA follows and a real platform may be adapted to:

- the body is JSON: ``{"eventId", "flowId", "flowType", "trackingId",
  "updatedAt"}``; ``trackingId`` is null for a flow the platform created
  (an inbound lifecycle status, for instance);
- ``X-Timestamp`` holds the sending time in Unix seconds, and
  ``X-Signature`` is ``sha256=`` followed by the hexadecimal HMAC-SHA256,
  keyed with the subscription's secret, of the timestamp, a dot and the raw
  body.

A notification only says that a flow changed: the receiver reads the flow
itself from the API. The timestamp bounds replays to ``tolerance`` seconds;
within that window, the same ``eventId`` may arrive twice (a platform
retries until it gets a 2xx), so receivers ignore ids they already handled.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from ..errors import PermanentError
from .client import parse_time

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    flow_id: str
    flow_type: str
    tracking_id: str | None
    updated_at: datetime | None  # aware, UTC


def _mac(secret, timestamp, body):
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_webhook(body, secret, timestamp=None):
    """The headers that sign ``body`` (bytes) for a receiver sharing ``secret``."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: SIGNATURE_PREFIX + _mac(secret, timestamp, body),
    }


def _header(headers, name):
    """A header's value, whatever the case of its name."""
    wanted = name.lower()
    return next(
        (str(value) for key, value in headers.items() if key.lower() == wanted), ""
    )


def verify_webhook(body, headers, secret, *, now=None, tolerance=300):
    """The event a notification carries, once its signature and age are checked.

    :param body: the request body, as received (bytes).
    :param headers: the request headers (any mapping).
    :param now: the current time (an aware datetime), for tests.
    :param tolerance: how many seconds the timestamp may be off, either way.
    :raises PermanentError: on a missing or wrong signature, a timestamp out
        of tolerance, or a body that is not an event.
    """
    if not secret:
        raise PermanentError("No webhook secret is configured to check the signature.")
    stamp = _header(headers, TIMESTAMP_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    if not stamp.isdigit() or not signature.startswith(SIGNATURE_PREFIX):
        raise PermanentError("The notification is not signed.")
    expected = SIGNATURE_PREFIX + _mac(secret, stamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        raise PermanentError("The notification's signature is wrong.")
    offset = (now or datetime.now(timezone.utc)).timestamp() - int(stamp)
    if abs(offset) > tolerance:
        raise PermanentError(
            f"The notification's timestamp is {abs(offset):.0f} s off, beyond the "
            f"{tolerance} s accepted: it may be a replay."
        )
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    if (
        not isinstance(event, dict)
        or not event.get("eventId")
        or not event.get("flowId")
    ):
        raise PermanentError("The notification does not name an event and a flow.")
    return WebhookEvent(
        event_id=str(event["eventId"]),
        flow_id=str(event["flowId"]),
        flow_type=str(event.get("flowType") or ""),
        tracking_id=event.get("trackingId"),
        updated_at=parse_time(event.get("updatedAt")),
    )
