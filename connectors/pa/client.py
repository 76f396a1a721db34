# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Client of a French approved platform (PA): the Flow Service API.

One client per platform account: OAuth2 client credentials give a bearer
token, cached and renewed a minute before it expires, and once more when
the API answers 401 anyway. Paths are those of AFNOR XP Z12-013 under the
platform's API base (``<api_url>/v1/flows``...).

Every flow we submit carries a ``trackingId`` (our idempotency key) and the
file's ``sha256``. Platforms are not known to refuse a ``trackingId`` they
already have, so after an unknown outcome the caller never resends without
first looking the ``trackingId`` up with :meth:`PlatformClient.search_flows`,
and looks it up a while later (a later retry of its job), not at once: the
platform may still be processing the file it did not answer for.

Errors are typed (:mod:`..errors`): the network, HTTP 429 and 5xx give a
:class:`TransientError` with the platform's ``errorCode`` and
``errorMessage`` as code and details; a submission whose answer was lost
after the request left gives an :class:`OutcomeUnknownError`; any other
refusal (4xx, refused credentials) gives a :class:`PermanentError`.
Messages never hold a secret, and no request body or header is logged.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote

from ..errors import OutcomeUnknownError, PermanentError, TransientError
from ..oauth_client import OAuthClient, is_unavailable, unavailable_error_type

_logger = logging.getLogger(__name__)

FLOWS = "/v1/flows"
SEARCH = "/v1/flows/search"
WEBHOOKS = "/v1/webhooks"
HEALTH_CHECK = "/v1/healthcheck"

SYNTAXES = ("Factur-X", "CII", "UBL", "CDAR", "FRR")
PROCESSING_RULES = (
    "B2B",
    "B2BInt",
    "B2C",
    "B2G",
    "B2GInt",
    "OutOfScope",
    "B2GOutOfScope",
    "ArchiveOnly",
    "NotApplicable",
)
FLOW_TYPES = (
    "CustomerInvoice",
    "SupplierInvoice",
    "StateInvoice",
    "CustomerInvoiceLC",
    "SupplierInvoiceLC",
    "StateCustomerInvoiceLC",
    "StateSupplierInvoiceLC",
)
DIRECTIONS = ("In", "Out")
ACK_STATUSES = ("Pending", "Ok", "Error")
DOC_TYPES = ("Metadata", "Original", "Converted", "ReadableView")
MEDIA_TYPES = {
    "Factur-X": "application/pdf",
    "CII": "application/xml",
    "UBL": "application/xml",
    "CDAR": "application/xml",
    "FRR": "application/xml",
}
# When a token answer omits expires_in: short, a 401 renews it anyway.
DEFAULT_TOKEN_LIFETIME = 300
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class FlowSubmission:
    flow_id: str
    submitted_at: datetime | None  # aware, UTC


@dataclass(frozen=True)
class AckDetail:
    """Why the platform acknowledged a flow the way it did."""

    item: str  # what the detail is about: a rule, a field, the file
    level: str  # Error, Warning...
    reason_code: str
    reason_message: str


@dataclass(frozen=True)
class Flow:
    flow_id: str
    tracking_id: str | None
    name: str
    flow_type: str
    direction: str  # In, Out
    syntax: str
    processing_rule: str
    ack_status: str  # Pending, Ok, Error
    ack_details: tuple  # of AckDetail
    submitted_at: datetime | None  # aware, UTC
    updated_at: datetime | None  # aware, UTC
    sha256: str = ""


@dataclass(frozen=True)
class Webhook:
    webhook_id: str
    url: str
    flow_types: tuple
    created_at: datetime | None  # aware, UTC


def format_time(moment):
    """ISO 8601 in UTC with milliseconds and a ``Z``, as the Flow Service writes."""
    if moment.tzinfo is None:
        raise PermanentError("Times sent to the platform must be aware datetimes.")
    text = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_time(text):
    """An aware UTC datetime from ISO 8601 text (UTC when it has no offset)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        _logger.warning("The platform sent an unreadable time: %r", text)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _values(value, allowed, what):
    """A filter value as a list, each item checked against ``allowed``."""
    values = [value] if isinstance(value, str) else list(value)
    unknown = [item for item in values if item not in allowed]
    if unknown:
        raise PermanentError(
            f"{', '.join(map(str, unknown))} is not a {what} "
            f"(one of {', '.join(allowed)})."
        )
    return values


def _flow(item):
    acknowledgement = item.get("acknowledgement") or {}
    return Flow(
        flow_id=str(item.get("flowId") or ""),
        tracking_id=item.get("trackingId"),
        name=item.get("name") or "",
        flow_type=item.get("flowType") or "",
        direction=item.get("flowDirection") or "",
        syntax=item.get("flowSyntax") or "",
        processing_rule=item.get("processingRule") or "",
        ack_status=acknowledgement.get("status") or "",
        ack_details=tuple(
            AckDetail(
                item=str(detail.get("item") or ""),
                level=str(detail.get("level") or ""),
                reason_code=str(detail.get("reasonCode") or ""),
                reason_message=str(detail.get("reasonMessage") or ""),
            )
            for detail in acknowledgement.get("details") or ()
            if isinstance(detail, dict)
        ),
        submitted_at=parse_time(item.get("submittedAt")),
        updated_at=parse_time(item.get("updatedAt")),
        sha256=item.get("sha256") or "",
    )


def _webhook(item):
    return Webhook(
        webhook_id=str(item.get("webhookId") or ""),
        url=item.get("url") or "",
        flow_types=tuple(item.get("flowTypes") or ()),
        created_at=parse_time(item.get("createdAt")),
    )


class PlatformClient(OAuthClient):
    """A company's account on an approved platform.

    :param token_url: the platform's OAuth2 token endpoint.
    :param api_url: the Flow Service base, without ``/v1/...``.
    :param client_id: the account's OAuth2 client id; with ``client_secret``.
    :param timeout: seconds to connect, and to wait for each answer.
    :param session: a ``requests.Session`` to reuse (one is made otherwise).
    """

    token_issuer = "The platform"
    default_token_lifetime = DEFAULT_TOKEN_LIFETIME
    invalid_url_message = "The platform's address is not a valid URL."
    unreachable_message = "The platform could not be reached for {what}."
    lost_write_message = (
        "The platform did not answer {what}: it may have been received. "
        "Look it up by its tracking id before sending it again."
    )

    # Transport ---------------------------------------------------------------

    def _token_credentials(self):
        return {
            "data": {"grant_type": "client_credentials"},
            "auth": (self._client_id, self._client_secret),
        }

    def _token_error(self, status, body):
        code = body.get("error") or status
        details = body.get("error_description")
        if is_unavailable(status):
            return TransientError(
                f"The platform cannot give an access token now (HTTP {status}).",
                code=code,
                details=details,
            )
        return PermanentError(
            f"The platform refused the client credentials (HTTP {status}): "
            "check the client id and secret, and the token URL.",
            code=code,
            details=details,
        )

    def _call(self, method, path, what, *, write=False, **values):
        """Send one API request; an error answer raises (see :meth:`_answer`)."""
        headers = {"Accept": "application/json"}
        response = self._send(
            method, path, what, headers=headers, write=write, **values
        )
        return self._answer(response, what, write=write)

    def _answer(self, response, what, *, write):
        status = response.status_code
        if 200 <= status < 300:
            return response
        body = self._json(response)
        body = body if isinstance(body, dict) else {}
        message = body.get("errorMessage") or body.get("error_description") or ""
        code = body.get("errorCode") or body.get("error") or status
        reason = f": {message}" if message else ""
        if is_unavailable(status):
            error = unavailable_error_type(status, write=write)
            raise error(
                f"The platform is unavailable for {what} (HTTP {status}){reason}.",
                code=code,
                details=message or None,
            )
        if status == 401:
            raise PermanentError(
                f"The platform refused the access token for {what} (HTTP 401): "
                "check the client id and secret, and the API URL.",
                code=code,
                details=message or None,
            )
        if status == 403:
            raise PermanentError(
                f"This account may not do {what} on the platform (HTTP 403){reason}.",
                code=code,
                details=message or None,
            )
        reason = reason or ": no reason given"
        raise PermanentError(
            f"The platform refused {what} (HTTP {status}){reason}.",
            code=code,
            details=message or None,
        )

    def _body(self, response, what, *, write=False):
        body = self._json(response)
        if body is None:
            error = OutcomeUnknownError if write else TransientError
            raise error(f"The platform answered {what} without a readable body.")
        return body

    # Flows -------------------------------------------------------------------

    def submit_flow(
        self,
        filename,
        content,
        *,
        syntax,
        processing_rule,
        tracking_id,
        flow_type=None,
    ):
        """Submit one file; the platform answers 202 and processes it later.

        :param tracking_id: our idempotency key, kept by the platform and
            searchable; the same for every attempt at sending this file.
        :returns: a :class:`FlowSubmission`; the flow's acknowledgement comes
            later (:meth:`get_flow`, :meth:`search_flows`, webhooks).
        :raises OutcomeUnknownError: when the file may have arrived: search
            by ``tracking_id`` before sending it again.
        """
        _values(syntax, SYNTAXES, "flow syntax")
        _values(processing_rule, PROCESSING_RULES, "processing rule")
        if flow_type is not None:
            _values(flow_type, FLOW_TYPES, "flow type")
        if not tracking_id or not isinstance(tracking_id, str):
            raise PermanentError(
                "A flow needs a tracking id, the same on every attempt."
            )
        if not filename or len(filename) > MAX_NAME_LENGTH:
            raise PermanentError(
                f"The file name must have 1 to {MAX_NAME_LENGTH} characters."
            )
        if not content:
            raise PermanentError(f"The file {filename} is empty.")
        info = {
            "flowSyntax": syntax,
            "name": filename,
            "processingRule": processing_rule,
            "trackingId": tracking_id,
            "sha256": hashlib.sha256(content).hexdigest(),
        }
        if flow_type is not None:
            info["flowType"] = flow_type
        files = {
            "file": (filename, content, MEDIA_TYPES[syntax]),
            "flowInfo": (None, json.dumps(info), "application/json"),
        }
        what = f"the submission of {filename}"
        response = self._call("POST", FLOWS, what, write=True, files=files)
        body = self._body(response, what, write=True)
        if not isinstance(body, dict) or not body.get("flowId"):
            raise OutcomeUnknownError(
                f"The platform accepted {filename} but gave no flow id: "
                "look it up by its tracking id."
            )
        return FlowSubmission(str(body["flowId"]), parse_time(body.get("submittedAt")))

    def get_flow(self, flow_id):
        """A flow's metadata and acknowledgement."""
        what = f"the flow {flow_id}"
        body = self._body(self._call("GET", self._flow_path(flow_id), what), what)
        if not isinstance(body, dict) or not body.get("flowId"):
            raise TransientError(f"The platform answered {what} without a flow.")
        return _flow(body)

    def flow_document(self, flow_id, doc_type="Original"):
        """A flow's file: as submitted (``Original``), or as the platform made
        it (``Converted``, ``ReadableView``)."""
        _values(doc_type, DOC_TYPES, "document type")
        response = self._call(
            "GET",
            self._flow_path(flow_id),
            f"the {doc_type} document of the flow {flow_id}",
            params={"docType": doc_type},
        )
        return response.content

    @staticmethod
    def _flow_path(flow_id):
        if not flow_id:
            raise PermanentError("A flow id is needed.")
        return f"{FLOWS}/{quote(str(flow_id), safe='')}"

    def search_flows(
        self,
        *,
        tracking_id=None,
        updated_after=None,
        flow_type=None,
        direction=None,
        ack_status=None,
        page_size=100,
    ):
        """Every flow matching all the criteria given, over every page.

        Pages go by offset, each one starting where the previous one ended
        (the platform may give fewer results than asked); a flow that moves
        between two pages is kept once, as last seen. To follow the flows,
        pass as ``updated_after`` the latest ``updated_at`` already seen,
        which is the platform's clock, not ours, less a margin (it is
        exclusive, and flows may share a time), and skip the flows already
        handled.

        :param flow_type: one flow type or several; so are ``direction`` and
            ``ack_status``.
        :param updated_after: an aware datetime.
        """
        where = {}
        if tracking_id is not None:
            where["trackingId"] = tracking_id
        if updated_after is not None:
            where["updatedAfter"] = format_time(updated_after)
        if flow_type is not None:
            where["flowType"] = _values(flow_type, FLOW_TYPES, "flow type")
        if direction is not None:
            where["flowDirection"] = _values(direction, DIRECTIONS, "flow direction")
        if ack_status is not None:
            where["ackStatus"] = _values(
                ack_status, ACK_STATUSES, "acknowledgement status"
            )
        if page_size < 1:
            raise PermanentError("The page size must be at least 1.")
        found, offset = {}, 0
        while True:
            body = self._body(
                self._call(
                    "POST",
                    SEARCH,
                    "the flow search",
                    json={"where": where, "offset": offset, "limit": page_size},
                ),
                "the flow search",
            )
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise TransientError(
                    "The platform answered the flow search without results."
                )
            for item in results:
                if isinstance(item, dict):
                    flow = _flow(item)
                    found.pop(flow.flow_id, None)
                    found[flow.flow_id] = flow
            offset += len(results)
            total = _int(body.get("total"))
            limit = _int(body.get("limit")) or page_size
            if (
                not results
                or (total is not None and offset >= total)
                or (total is None and len(results) < limit)
            ):
                return list(found.values())

    # Webhooks ----------------------------------------------------------------

    def register_webhook(self, url, *, secret, flow_types=None):
        """Ask the platform to notify ``url`` of new and updated flows.

        :param secret: signs the notifications (see :mod:`.webhook`).
        :param flow_types: only flows of these types; all by default.
        """
        if not secret:
            raise PermanentError("A webhook needs a secret to sign its notifications.")
        payload = {"url": url, "secret": secret}
        if flow_types is not None:
            payload["flowTypes"] = _values(flow_types, FLOW_TYPES, "flow type")
        what = "the webhook registration"
        body = self._body(
            self._call("POST", WEBHOOKS, what, write=True, json=payload),
            what,
            write=True,
        )
        if not isinstance(body, dict) or not body.get("webhookId"):
            raise OutcomeUnknownError(
                "The platform answered the webhook registration without an id: "
                "list the webhooks before registering again."
            )
        return _webhook(body)

    def list_webhooks(self):
        body = self._body(
            self._call("GET", WEBHOOKS, "the webhook list"), "the webhook list"
        )
        items = body.get("results") if isinstance(body, dict) else body
        return [_webhook(item) for item in items or () if isinstance(item, dict)]

    def delete_webhook(self, webhook_id):
        if not webhook_id:
            raise PermanentError("A webhook id is needed.")
        self._call(
            "DELETE",
            f"{WEBHOOKS}/{quote(str(webhook_id), safe='')}",
            f"the deletion of the webhook {webhook_id}",
        )

    def health_check(self):
        """Whether the platform answers; refused credentials still raise."""
        try:
            self._call("GET", HEALTH_CHECK, "the health check")
        except TransientError:
            return False
        return True
