# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A local approved platform (PA), with its OAuth2 token endpoint.

Start it from the add-on's folder::

    python -m connectors.pa.simulator --port 8781

or in process: ``Simulator(port=0).start()``, then ``.url`` (the API base:
``<url>/v1/flows``...) and ``.token_url`` (``<url>/oauth2/token``). It
answers the Flow Service paths (``POST /v1/flows`` multipart ``file`` +
``flowInfo``, ``POST /v1/flows/search``, ``GET /v1/flows/{id}?docType=``,
``/v1/webhooks``, ``GET /v1/healthcheck``) with ``errorCode`` and
``errorMessage`` on refusals, 401 without a valid bearer token, and pages
of at most 100 flows. What happens to flows, and which invoice data
triggers which lifecycle, is in :mod:`.simulated_platform`.

Subscribed webhooks get a signed POST (:mod:`.webhook`) for each new or
updated flow, retried a few times until the receiver answers 2xx.

Control endpoints (no authentication), mirrored by Python methods:

- ``GET /_simulator/state``: flows, how many flows each tracking id and
  invoice number got, lifecycle statuses sent and received, calls and
  answers per path, webhook deliveries (:meth:`Simulator.state`);
- ``POST /_simulator/clock`` ``{"seconds": N}``: move the virtual clock,
  one step by default (:meth:`Simulator.advance`);
- ``POST /_simulator/faults`` ``{"kind", "path", "status", "count", "rate",
  "delay"}``: inject a fault (:meth:`Simulator.inject`);
  ``DELETE /_simulator/faults`` removes them all;
- ``POST /_simulator/tokens/expire``: every token issued so far expires
  (:meth:`Simulator.expire_tokens`);
- ``POST /_simulator/webhooks`` ``{"mode": "fail"|"twice"|"normal",
  "count": N}``: make the next deliveries fail, or go twice
  (:meth:`Simulator.webhook_delivery`).
"""

import argparse
import base64
import contextlib
import heapq
import itertools
import json
import logging
import random
import re
import sys
import threading
import time
import uuid
from email.message import Message
from http import HTTPStatus
from urllib.parse import unquote

import requests

from .. import simulation
from ..simulation import CONTROL, FAULT_KINDS, Fault  # noqa: F401 (re-exported)
from .client import FLOWS, HEALTH_CHECK, MEDIA_TYPES, SEARCH, WEBHOOKS
from .simulated_platform import ApiError, Platform
from .webhook import sign_webhook

_logger = logging.getLogger(__name__)

TOKEN_PATH = "/oauth2/token"
FLOW_PATH = re.compile(r"^/v1/flows/([^/]+)$")
WEBHOOK_PATH = re.compile(r"^/v1/webhooks/([^/]+)$")
# The logins this local simulator accepts unless told otherwise: public
# test values (printed at start, used by the demo), not secrets of any real
# platform.
DEFAULT_CLIENT_ID = "pa-simulator-client"
DEFAULT_CLIENT_SECRET = "pa-simulator-secret"
DELIVERY_MODES = ("normal", "fail", "twice")


def route(path):
    """The path with its ids replaced, as calls are counted and faults matched."""
    if FLOW_PATH.match(path) and path != SEARCH:
        return FLOWS + "/{flowId}"
    if WEBHOOK_PATH.match(path):
        return WEBHOOKS + "/{webhookId}"
    return path


def parse_multipart(content_type, body):
    """``{name: (filename, content_type, bytes)}`` of a multipart/form-data body.

    Parsed by hand so that binary parts come back byte for byte.
    """
    header = Message()
    header["Content-Type"] = content_type
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not boundary:
        raise ValueError("multipart/form-data with a boundary expected")
    parts = {}
    for chunk in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ValueError("a part has no headers")
        part = Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _colon, value = line.partition(":")
            part[name.strip()] = value.strip()
        name = part.get_param("name", header="Content-Disposition")
        if name:
            parts[name] = (
                part.get_param("filename", header="Content-Disposition"),
                part.get_content_type(),
                data.removesuffix(b"\r\n"),
            )
    return parts


class _Deliveries:
    """Webhook notifications on their way, retried until a 2xx answer.

    One thread posts them in order of due time; a failed attempt comes back
    after ``retry_delay`` real seconds, doubled at each attempt, until
    ``attempts`` were made.
    """

    def __init__(self, attempts, retry_delay):
        self.attempts, self.retry_delay = attempts, retry_delay
        self.log = []  # one entry per attempt
        self.mode, self.mode_count = "normal", None
        self._queue = []  # heap of (due, sequence, job)
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._stopped = False
        self._session = requests.Session()
        self._thread = threading.Thread(
            target=self._run, name="pa-simulator-webhooks", daemon=True
        )
        self._thread.start()

    def push(self, webhook, payload):
        job = {"webhook": webhook, "payload": payload, "attempt": 1}
        with self._condition:
            heapq.heappush(self._queue, (time.monotonic(), next(self._sequence), job))
            self._condition.notify()

    def set_mode(self, mode, count=None):
        with self._condition:
            self.mode, self.mode_count = mode, count

    def stop(self):
        with self._condition:
            self._stopped = True
            self._condition.notify()
        self._thread.join()
        self._session.close()

    def pending(self):
        with self._condition:
            return len(self._queue)

    def _take_mode(self):
        with self._condition:
            mode = self.mode
            if mode != "normal" and self.mode_count is not None:
                self.mode_count -= 1
                if self.mode_count <= 0:
                    self.mode, self.mode_count = "normal", None
            return mode

    def _run(self):
        while True:
            with self._condition:
                while not self._stopped and (
                    not self._queue or self._queue[0][0] > time.monotonic()
                ):
                    wait = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._condition.wait(wait)
                if self._stopped:
                    return
                _due, _sequence, job = heapq.heappop(self._queue)
            if not self._deliver(job) and job["attempt"] < self.attempts:
                delay = self.retry_delay * 2 ** (job["attempt"] - 1)
                job["attempt"] += 1
                with self._condition:
                    heapq.heappush(
                        self._queue,
                        (time.monotonic() + delay, next(self._sequence), job),
                    )

    def _deliver(self, job):
        webhook, payload = job["webhook"], job["payload"]
        body = json.dumps(payload).encode()
        entry = {
            "eventId": payload["eventId"],
            "flowId": payload["flowId"],
            "webhookId": webhook["webhookId"],
            "url": webhook["url"],
            "attempt": job["attempt"],
        }
        mode = self._take_mode()
        if mode == "fail":
            self.log.append({**entry, "result": "simulated failure"})
            return False
        delivered = False
        for _copy in range(2 if mode == "twice" else 1):
            headers = {"Content-Type": "application/json"}
            headers.update(sign_webhook(body, webhook["secret"]))
            try:
                response = self._session.post(
                    webhook["url"], data=body, headers=headers, timeout=5
                )
                result = response.status_code
                delivered = delivered or 200 <= result < 300
            except requests.RequestException as error:
                result = f"{type(error).__name__}"
            self.log.append({**entry, "result": result})
        return delivered


class Simulator(simulation.Simulator):
    """A local approved platform and its token endpoint on 127.0.0.1.

    :param port: the port, 0 for any free one.
    :param clients: ``{client_id: client_secret}`` of the platform accounts;
        each sees only its own flows.
    :param token_lifetime: ``expires_in`` of the tokens, in virtual seconds.
    :param step_seconds: virtual seconds between two events of a flow.
    :param speed: virtual seconds per real second; 0 (the default) stops
        the clock between calls of :meth:`advance`.
    :param seed: of the flow ids and of the random numbers that play faults
        by rate.
    :param webhook_attempts: how many times a notification is tried.
    :param webhook_retry_delay: real seconds before the first retry.
    """

    server_version = "PASimulator/1.0"
    thread_name = "pa-simulator"
    token_path = TOKEN_PATH
    # A running clock plays events (and their webhooks) unasked.
    ticks_in_background = True

    def __init__(
        self,
        port=0,
        *,
        host="127.0.0.1",
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        clients=None,
        token_lifetime=3600,
        step_seconds=60,
        speed=0.0,
        start=None,
        seed=0,
        webhook_attempts=3,
        webhook_retry_delay=0.2,
    ):
        super().__init__(
            Platform(step_seconds=step_seconds, speed=speed, start=start, seed=seed),
            host=host,
            port=port,
            token_lifetime=token_lifetime,
            seed=seed,
        )
        self.clients = dict(clients or {client_id: client_secret})
        self.webhook_attempts = webhook_attempts
        self.webhook_retry_delay = webhook_retry_delay
        self.platform.on_change = self._notify
        self._event_random = random.Random(seed + 1)
        self._deliveries = None

    # Life cycle ----------------------------------------------------------------

    def _before_serving(self):
        self._deliveries = _Deliveries(self.webhook_attempts, self.webhook_retry_delay)

    def _after_serving(self):
        self._deliveries.stop()

    # Control -------------------------------------------------------------------

    def webhook_delivery(self, mode, count=None):
        """Make the next ``count`` deliveries (all, by default) ``fail``
        without reaching the receiver, or go ``twice``; ``normal`` again."""
        if mode not in DELIVERY_MODES:
            raise ValueError(f"mode must be one of {', '.join(DELIVERY_MODES)}")
        if count is not None and int(count) < 1:
            raise ValueError("count must be at least 1")
        self._deliveries.set_mode(mode, None if count is None else int(count))

    def wait_for_deliveries(self, timeout=10):
        """Wait until no notification waits to be tried; whether none does."""
        deadline = time.monotonic() + timeout
        while self._deliveries.pending() and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._deliveries.pending()

    def state(self):
        """Flows, counts per tracking id and invoice number, calls per path."""
        state = super().state()
        state["deliveries"] = list(self._deliveries.log) if self._deliveries else []
        return state

    def _control_answer(self, action, request):
        if action == ("POST", "webhooks"):
            self.webhook_delivery(request.get("mode"), request.get("count"))
            return {"mode": request.get("mode")}
        return super()._control_answer(action, request)

    def _notify(self, record):
        """Queue a signed notification of a flow's change for each subscriber.

        Called by the platform under its lock, so it only queues.
        """
        if self._deliveries is None:
            return
        for webhook in self.platform.subscribers(record):
            payload = {
                "eventId": str(
                    uuid.UUID(int=self._event_random.getrandbits(128), version=4)
                ),
                "flowId": record.flow_id,
                "flowType": record.flow_type,
                "trackingId": record.tracking_id,
                "updatedAt": record.metadata()["updatedAt"],
            }
            self._deliveries.push(dict(webhook), payload)

    # HTTP ------------------------------------------------------------------------

    @staticmethod
    def _fault_body(path, status):
        if path == TOKEN_PATH:
            return {
                "error": "temporarily_unavailable",
                "error_description": "Panne simulée.",
            }
        return {"errorCode": HTTPStatus(status).name, "errorMessage": "Panne simulée."}

    def _counted_path(self, path):
        """Calls are counted, and faults matched, by route too: a fault on
        ``/v1/flows/{flowId}`` plays on every flow's reading."""
        return route(path)

    def _client_id(self, form, headers):
        """Credentials in an HTTP Basic header, else in the form."""
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        scheme, _space, credentials = (headers.get("Authorization") or "").partition(
            " "
        )
        if scheme == "Basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except ValueError:
                decoded = ""
            client_id, _colon, client_secret = decoded.partition(":")
            client_id, client_secret = unquote(client_id), unquote(client_secret)
        if client_id not in self.clients or self.clients[client_id] != client_secret:
            return None
        return client_id

    def _api(self, method, path, query, headers, raw):
        """``(status, body, headers)`` of one API call."""
        if path == HEALTH_CHECK and method == "GET":
            return 200, {"status": "UP"}, {}
        operation = self._operation(method, path)
        if operation is None:
            return (
                404,
                {"errorCode": "NOT_FOUND", "errorMessage": "Chemin inconnu."},
                {},
            )
        client_id = self._bearer(headers)
        if client_id is None:
            return (
                401,
                {
                    "errorCode": "UNAUTHORIZED",
                    "errorMessage": "Jeton d'accès absent, invalide ou expiré.",
                },
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        try:
            return operation(client_id, path, query, headers, raw)
        except ApiError as error:
            return (
                error.status,
                {"errorCode": error.code, "errorMessage": error.message},
                {},
            )
        except Exception:
            _logger.exception("The simulator failed on %s %s", method, path)
            return (
                500,
                {"errorCode": "INTERNAL_ERROR", "errorMessage": "Erreur interne."},
                {},
            )

    def _operation(self, method, path):
        operations = {
            ("POST", FLOWS): self._submit,
            ("POST", SEARCH): self._search,
            ("GET", WEBHOOKS): self._list_webhooks,
            ("POST", WEBHOOKS): self._register_webhook,
        }
        if (method, path) in operations:
            return operations[(method, path)]
        if method == "GET" and route(path) == FLOWS + "/{flowId}":
            return self._get_flow
        if method == "DELETE" and route(path) == WEBHOOKS + "/{webhookId}":
            return self._delete_webhook
        return None

    @staticmethod
    def _json_request(headers, raw):
        if "application/json" not in (headers.get("Content-Type") or ""):
            raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Corps JSON attendu.")
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            request = None
        if not isinstance(request, dict):
            raise ApiError(400, "INVALID_REQUEST", "Requête JSON mal formée.")
        return request

    def _submit(self, client_id, path, query, headers, raw):
        try:
            parts = parse_multipart(headers.get("Content-Type") or "", raw)
        except ValueError as error:
            raise ApiError(
                400, "INVALID_REQUEST", f"Corps multipart attendu : {error}."
            ) from None
        if "file" not in parts:
            raise ApiError(400, "MISSING_FILE", "La partie file est absente.")
        if "flowInfo" not in parts:
            raise ApiError(400, "MISSING_FLOW_INFO", "La partie flowInfo est absente.")
        try:
            info = json.loads(parts["flowInfo"][2])
        except ValueError:
            info = None
        if not isinstance(info, dict):
            raise ApiError(
                400, "INVALID_FLOW_INFO", "flowInfo n'est pas un objet JSON."
            )
        filename, _type, content = parts["file"]
        return 202, self.platform.submit(client_id, info, filename or "", content), {}

    def _search(self, client_id, path, query, headers, raw):
        return (
            200,
            self.platform.search(client_id, self._json_request(headers, raw)),
            {},
        )

    def _get_flow(self, client_id, path, query, headers, raw):
        record = self.platform.flow(client_id, unquote(FLOW_PATH.match(path)[1]))
        doc_type = (query.get("docType") or ["Metadata"])[0]
        if doc_type == "Metadata":
            return 200, record.metadata(), {}
        if doc_type == "Original":
            content, media_type = record.content, MEDIA_TYPES[record.syntax]
        elif doc_type == "Converted" and record.syntax != "CDAR":
            content, media_type = record.invoice_xml, "application/xml"
        elif doc_type == "ReadableView" and record.syntax == "Factur-X":
            content, media_type = record.content, "application/pdf"
        elif doc_type in ("Converted", "ReadableView"):
            content = None
        else:
            raise ApiError(400, "INVALID_DOC_TYPE", f"docType inconnu : {doc_type!r}.")
        if content is None:
            raise ApiError(
                404,
                "DOCUMENT_NOT_AVAILABLE",
                f"Pas de document {doc_type} pour ce flux.",
            )
        return 200, content, {"Content-Type": media_type}

    def _list_webhooks(self, client_id, path, query, headers, raw):
        return 200, {"results": self.platform.list_webhooks(client_id)}, {}

    def _register_webhook(self, client_id, path, query, headers, raw):
        request = self._json_request(headers, raw)
        return 201, self.platform.register_webhook(client_id, request), {}

    def _delete_webhook(self, client_id, path, query, headers, raw):
        self.platform.delete_webhook(client_id, unquote(WEBHOOK_PATH.match(path)[1]))
        return 204, None, {}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m connectors.pa.simulator",
        description="A local approved platform (Flow Service API and token endpoint).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8781)
    parser.add_argument(
        "--step", type=float, default=60, help="virtual seconds between two events"
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="virtual seconds per real second"
    )
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--token-lifetime", type=int, default=3600)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)
    simulator = Simulator(
        arguments.port,
        host=arguments.host,
        client_id=arguments.client_id,
        client_secret=arguments.client_secret,
        token_lifetime=arguments.token_lifetime,
        step_seconds=arguments.step,
        speed=arguments.speed,
        seed=arguments.seed,
    )

    def banner(simulator):
        return (
            f"PA simulator on {simulator.url}\n"
            f"  token URL  {simulator.token_url}\n"
            f"  API URL    {simulator.url}  (paths under /v1/)\n"
            f"  client id / secret  {arguments.client_id} / "
            f"{arguments.client_secret}\n"
            f"  one event every {arguments.step:g} virtual s, clock speed "
            f"{arguments.speed:g}; POST {CONTROL}clock to move it\n"
            "  markers in an invoice note or line: #LITIGE #SUSPENDUE #REFUSEE "
            "#REJETEE\n"
        )

    with contextlib.suppress(KeyboardInterrupt):
        simulation.serve(simulator, banner)
    return 0


if __name__ == "__main__":
    sys.exit(main())
