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
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import timedelta
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from .client import FLOWS, HEALTH_CHECK, MEDIA_TYPES, SEARCH, WEBHOOKS
from .simulated_platform import ApiError, Platform
from .webhook import sign_webhook

_logger = logging.getLogger(__name__)

TOKEN_PATH = "/oauth2/token"
CONTROL = "/_simulator/"
FLOW_PATH = re.compile(r"^/v1/flows/([^/]+)$")
WEBHOOK_PATH = re.compile(r"^/v1/webhooks/([^/]+)$")
DEFAULT_CLIENT_ID = "pa-simulator-client"
DEFAULT_CLIENT_SECRET = "pa-simulator-secret"
FAULT_KINDS = ("http", "timeout", "drop")
DELIVERY_MODES = ("normal", "fail", "twice")


@dataclass
class Fault:
    """A failure the simulator plays on the requests it matches.

    ``http``: answer ``status`` (500, 429...) without processing; ``timeout``:
    process, then wait ``delay`` seconds before answering; ``drop``: process,
    then close the connection without answering (a submitted flow is
    recorded). ``path`` limits it to one path or route (``/v1/flows``,
    ``/v1/flows/{flowId}``, the token endpoint...), ``rate`` plays it on
    that share of the requests, ``count`` at most that many times; without
    either it plays on every request until cleared.
    """

    fault_id: int
    kind: str
    path: str | None = None
    status: int = 500
    count: int | None = None
    rate: float | None = None
    delay: float = 2.0


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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PASimulator/1.0"
    # Headers and body go out in two writes: without this, each answer
    # waits for the client's delayed acknowledgement.
    disable_nagle_algorithm = True

    def do_GET(self):
        self.server.simulator.handle(self, "GET")

    def do_POST(self):
        self.server.simulator.handle(self, "POST")

    def do_DELETE(self):
        self.server.simulator.handle(self, "DELETE")

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        """Silent: :meth:`Simulator.handle` logs each call itself."""


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


class Simulator:
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
        self.host, self.port = host, port
        self.clients = dict(clients or {client_id: client_secret})
        self.token_lifetime = token_lifetime
        self.webhook_attempts = webhook_attempts
        self.webhook_retry_delay = webhook_retry_delay
        self.platform = Platform(
            step_seconds=step_seconds, speed=speed, start=start, seed=seed
        )
        self.platform.on_change = self._notify
        self._lock = threading.Lock()
        self._tokens = {}  # token -> (client id, virtual expiry)
        self._faults = []
        self._fault_ids = itertools.count(1)
        self._random = random.Random(seed)
        self._event_random = random.Random(seed + 1)
        self._calls = Counter()
        self._answers = defaultdict(Counter)
        self._deliveries = None
        self._server = None
        self._threads = []
        self._stopped = threading.Event()

    # Life cycle ----------------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.simulator = self
        self.port = self._server.server_address[1]
        self._deliveries = _Deliveries(self.webhook_attempts, self.webhook_retry_delay)
        self._stopped.clear()
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="pa-simulator",
                daemon=True,
            )
        ]
        if self.platform.speed:
            # A running clock plays events (and their webhooks) unasked.
            self._threads.append(
                threading.Thread(
                    target=self._ticker, name="pa-simulator-clock", daemon=True
                )
            )
        for thread in self._threads:
            thread.start()
        return self

    def _ticker(self):
        while not self._stopped.wait(0.2):
            self.platform.tick()

    def stop(self):
        if self._server is not None:
            self._stopped.set()
            self._server.shutdown()
            self._server.server_close()
            for thread in self._threads:
                thread.join()
            self._deliveries.stop()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self):
        return self.url + TOKEN_PATH

    # Control -------------------------------------------------------------------

    def now(self):
        return self.platform.now()

    def advance(self, seconds=None):
        """Move the virtual clock, one step by default; return the new time."""
        return self.platform.advance(seconds)

    def inject(self, kind, *, path=None, status=500, count=None, rate=None, delay=2.0):
        """Add a :class:`Fault`; return its id."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if kind == "http" and not 400 <= HTTPStatus(int(status)) <= 599:
            raise ValueError("status must be an HTTP error code")
        if count is not None and int(count) < 1:
            raise ValueError("count must be at least 1")
        if rate is not None and not 0 < float(rate) <= 1:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            fault = Fault(
                next(self._fault_ids),
                kind,
                path,
                int(status),
                None if count is None else int(count),
                None if rate is None else float(rate),
                float(delay),
            )
            self._faults.append(fault)
            return fault.fault_id

    def clear_faults(self):
        with self._lock:
            cleared, self._faults = len(self._faults), []
            return cleared

    def expire_tokens(self):
        """Make every token issued so far expired, as after an hour."""
        with self._lock:
            expired, self._tokens = len(self._tokens), {}
            return expired

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
        state = self.platform.snapshot()
        with self._lock:
            state["calls"] = dict(self._calls)
            state["answers"] = {path: dict(c) for path, c in self._answers.items()}
            state["faults"] = [asdict(fault) for fault in self._faults]
        state["deliveries"] = list(self._deliveries.log) if self._deliveries else []
        return state

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

    def handle(self, handler, method):
        parts = urlsplit(handler.path)
        path, query = parts.path, parse_qs(parts.query)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if path.startswith(CONTROL):
            status, body = self._control(method, path, raw)
            self._respond(handler, status, body)
            return
        counted = route(path)
        fault = self._take_fault(path, counted)
        headers = {}
        if fault is not None and fault.kind == "http":
            status, body = fault.status, self._fault_body(path, fault.status)
        elif path == TOKEN_PATH:
            status, body = self._token(method, handler.headers, raw)
        else:
            status, body, headers = self._api(method, path, query, handler.headers, raw)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "drop":
            self._record(counted, "dropped")
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        self._record(counted, status)
        if status == 429:
            headers["Retry-After"] = "1"
        self._respond(handler, status, body, headers)

    @staticmethod
    def _fault_body(path, status):
        if path == TOKEN_PATH:
            return {
                "error": "temporarily_unavailable",
                "error_description": "Panne simulée.",
            }
        return {"errorCode": HTTPStatus(status).name, "errorMessage": "Panne simulée."}

    def _take_fault(self, path, counted):
        with self._lock:
            self._calls[counted] += 1
            for fault in self._faults:
                if fault.path not in (None, path, counted):
                    continue
                if fault.rate is not None and self._random.random() >= fault.rate:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if not fault.count:
                        self._faults.remove(fault)
                return fault
            return None

    def _record(self, path, status):
        with self._lock:
            self._answers[path][str(status)] += 1
        _logger.debug("%s -> %s", path, status)

    @staticmethod
    def _respond(handler, status, body, headers=None):
        headers = dict(headers or {})
        if isinstance(body, bytes):
            data = body
        elif body is None:
            data = b""
        else:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json;charset=utf-8")
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up waiting
            handler.close_connection = True

    def _token(self, method, headers, raw):
        if method != "POST":
            return 405, {"error": "invalid_request"}
        if not (headers.get("Content-Type") or "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return 400, {
                "error": "invalid_request",
                "error_description": "Form body expected.",
            }
        form = {k: v[0] for k, v in parse_qs(raw.decode(errors="replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
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
            return 401, {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }
        token = secrets.token_urlsafe(32)
        expiry = self.platform.now() + timedelta(seconds=self.token_lifetime)
        with self._lock:
            self._tokens[token] = (client_id, expiry)
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }

    def _client(self, headers):
        """The account a request acts for, or None without a valid token."""
        scheme, _space, token = (headers.get("Authorization") or "").partition(" ")
        with self._lock:
            client_id, expiry = self._tokens.get(token, (None, None))
        if scheme != "Bearer" or client_id is None or expiry <= self.platform.now():
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
        client_id = self._client(headers)
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

    def _control(self, method, path, raw):
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            return 400, {"error": "JSON body expected"}
        action = (method, path[len(CONTROL) :].rstrip("/"))
        try:
            if action == ("GET", "state"):
                return 200, self.state()
            if action == ("POST", "clock"):
                return 200, {"now": self.advance(request.get("seconds")).isoformat()}
            if action == ("POST", "faults"):
                kind = request.pop("kind", None)
                return 200, {"id": self.inject(kind, **request)}
            if action == ("DELETE", "faults"):
                return 200, {"cleared": self.clear_faults()}
            if action == ("POST", "tokens/expire"):
                return 200, {"expired": self.expire_tokens()}
            if action == ("POST", "webhooks"):
                self.webhook_delivery(request.get("mode"), request.get("count"))
                return 200, {"mode": request.get("mode")}
        except (TypeError, ValueError) as error:
            return 400, {"error": str(error)}
        return 404, {"error": "unknown control endpoint"}


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    _logger.setLevel(logging.DEBUG)  # one line per call
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stopped.set())
    simulator = Simulator(
        arguments.port,
        host=arguments.host,
        client_id=arguments.client_id,
        client_secret=arguments.client_secret,
        token_lifetime=arguments.token_lifetime,
        step_seconds=arguments.step,
        speed=arguments.speed,
        seed=arguments.seed,
    ).start()
    sys.stdout.write(
        f"PA simulator on {simulator.url}\n"
        f"  token URL  {simulator.token_url}\n"
        f"  API URL    {simulator.url}  (paths under /v1/)\n"
        f"  client id / secret  {arguments.client_id} / {arguments.client_secret}\n"
        f"  one event every {arguments.step:g} virtual s, clock speed "
        f"{arguments.speed:g}; POST {CONTROL}clock to move it\n"
        "  markers in an invoice note or line: #LITIGE #SUSPENDUE #REFUSEE #REJETEE\n"
    )
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
