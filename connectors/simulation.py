# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the local platforms of :mod:`.chorus_pro.simulator` and
:mod:`.pa.simulator` have in common.

Both play their records' events on a virtual clock (:class:`VirtualClock`),
which tests move by hand and demos let run faster than real time. Both
answer HTTP on 127.0.0.1 the same way (:class:`Simulator`): an OAuth2
client-credentials token endpoint, faults injected on chosen paths, calls
and answers counted per path, and the ``/_simulator/`` control endpoints.
Paths, bodies and rules stay with each platform.
"""

import heapq
import itertools
import json
import logging
import random
import secrets
import signal
import socket
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_logger = logging.getLogger(__name__)

CONTROL = "/_simulator/"
FAULT_KINDS = ("http", "timeout", "drop")


class VirtualClock:
    """A simulated platform's clock, and its agenda of events to play.

    Subclasses put events on the agenda with :meth:`_add_event` and play
    them in :meth:`tick`, as :meth:`_due_events` hands them over.

    :param step_seconds: virtual seconds between two events of a record.
    :param speed: virtual seconds per real second (0: the clock only moves
        when :meth:`advance` is called).
    :param start: the virtual time at start, now by default.
    """

    def __init__(self, *, step_seconds=60, speed=0.0, start=None):
        self.lock = threading.RLock()
        self.step = timedelta(seconds=step_seconds)
        self.speed = speed
        self._start = start or datetime.now(timezone.utc).replace(microsecond=0)
        self._started = time.monotonic()
        self._offset = timedelta()
        self._agenda = []  # heap of (when, sequence, event)
        self._sequence = itertools.count()

    def now(self):
        elapsed = (time.monotonic() - self._started) * self.speed
        return self._start + self._offset + timedelta(seconds=elapsed)

    def advance(self, seconds=None):
        """Move the clock (one step by default) and play what fell due."""
        with self.lock:
            self._offset += self.step if seconds is None else timedelta(seconds=seconds)
            self.tick()
            return self.now()

    def tick(self):
        """Play every event due by now, in time order."""
        raise NotImplementedError

    def _add_event(self, when, event):
        heapq.heappush(self._agenda, (when, next(self._sequence), event))

    def _due_events(self):
        """``(when, event)`` of each event due by now, in time order, those
        added on the way included; to be read under :attr:`lock`."""
        now = self.now()
        while self._agenda and self._agenda[0][0] <= now:
            when, _sequence, event = heapq.heappop(self._agenda)
            yield when, event


@dataclass
class Fault:
    """A failure the simulator plays on the requests it matches.

    ``http``: answer ``status`` (500, 429...) without processing; ``timeout``:
    process, then wait ``delay`` seconds before answering; ``drop``: process,
    then close the connection without answering (what the request did, a
    deposit or a submitted flow, stays done). ``path`` limits it to one path
    or route (the token endpoint included), ``rate`` plays it on that share
    of the requests, ``count`` at most that many times; without either it
    plays on every request until cleared.
    """

    fault_id: int
    kind: str
    path: str | None = None
    status: int = 500
    count: int | None = None
    rate: float | None = None
    delay: float = 2.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, each answer
    # waits for the client's delayed acknowledgement.
    disable_nagle_algorithm = True

    @property
    def server_version(self):
        """The ``Server`` header names the simulator that answers."""
        return self.server.simulator.server_version

    def do_GET(self):
        self.server.simulator.handle(self, "GET")

    def do_POST(self):
        self.server.simulator.handle(self, "POST")

    def do_DELETE(self):
        self.server.simulator.handle(self, "DELETE")

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        """Silent: :meth:`Simulator.handle` logs each call itself."""


class Simulator:
    """The HTTP side of a local platform, on ``host``:``port`` (0: any free).

    A subclass sets the class attributes below, hands its platform (a
    :class:`VirtualClock` with a ``snapshot()``) to ``__init__``, and
    answers :meth:`_client_id`, :meth:`_fault_body` and :meth:`_api`. Tokens
    last ``token_lifetime`` virtual seconds; ``seed`` seeds the random
    numbers that play faults by rate. Named ``Simulator`` like the
    platforms' own classes: the 400 answer to a control request with an
    unknown field quotes ``Simulator.inject()``.
    """

    server_version = "Simulator/1.0"
    thread_name = "simulator"
    token_path = None  # each platform has its own
    # How the token endpoint refuses unknown credentials, and the scope it
    # grants (None: it names none).
    invalid_client_status = 401
    token_scope = None
    # Whether a running clock plays the platform's events between calls
    # too (they have effects outside, webhooks for instance).
    ticks_in_background = False

    def __init__(self, platform, *, host, port, token_lifetime, seed):
        self.host, self.port = host, port
        self.token_lifetime = token_lifetime
        self.platform = platform
        self._lock = threading.Lock()
        self._tokens = {}  # token -> (client id, virtual expiry)
        self._faults = []
        self._fault_ids = itertools.count(1)
        self._random = random.Random(seed)
        self._calls = Counter()
        self._answers = defaultdict(Counter)
        self._server = None
        self._threads = []
        self._stopped = threading.Event()

    # Life cycle ----------------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.simulator = self
        self.port = self._server.server_address[1]
        self._stopped.clear()
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=self.thread_name,
                daemon=True,
            )
        ]
        if self.ticks_in_background and self.platform.speed:
            self._threads.append(
                threading.Thread(
                    target=self._ticker, name=f"{self.thread_name}-clock", daemon=True
                )
            )
        self._before_serving()
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
            self._after_serving()
            self._server = None

    def _before_serving(self):
        """Start what must run with the server, once it has its port."""

    def _after_serving(self):
        """Stop what :meth:`_before_serving` started."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self):
        return self.url + self.token_path

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

    def state(self):
        """The platform's snapshot, with calls and answers per path and faults."""
        state = self.platform.snapshot()
        with self._lock:
            state["calls"] = dict(self._calls)
            state["answers"] = {path: dict(c) for path, c in self._answers.items()}
            state["faults"] = [asdict(fault) for fault in self._faults]
        return state

    def _control_answer(self, action, request):
        """The answer to a control ``(method, name)`` action, None if unknown.

        A subclass answers its own actions, then calls this one.
        """
        if action == ("GET", "state"):
            return self.state()
        if action == ("POST", "clock"):
            return {"now": self.advance(request.get("seconds")).isoformat()}
        if action == ("POST", "faults"):
            kind = request.pop("kind", None)
            return {"id": self.inject(kind, **request)}
        if action == ("DELETE", "faults"):
            return {"cleared": self.clear_faults()}
        if action == ("POST", "tokens/expire"):
            return {"expired": self.expire_tokens()}
        return None

    # HTTP ----------------------------------------------------------------------

    def handle(self, handler, method):
        parts = urlsplit(handler.path)
        path = parts.path
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if path.startswith(CONTROL):
            status, body = self._control(method, path, raw)
            self._respond(handler, status, body)
            return
        counted = self._counted_path(path)
        fault = self._take_fault(path, counted)
        headers = {}
        if fault is not None and fault.kind == "http":
            status, body = fault.status, self._fault_body(path, fault.status)
        elif path == self.token_path:
            status, body = self._token(method, handler.headers, raw)
        else:
            status, body, headers = self._api(
                method, path, parse_qs(parts.query), handler.headers, raw
            )
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

    def _counted_path(self, path):
        """The path as calls are counted and faults matched (besides the path)."""
        return path

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
        """Send ``body``: JSON, or bytes as they are (typed by ``headers``)."""
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

    def _control(self, method, path, raw):
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            return 400, {"error": "JSON body expected"}
        action = (method, path[len(CONTROL) :].rstrip("/"))
        try:
            answer = self._control_answer(action, request)
        except (TypeError, ValueError) as error:
            return 400, {"error": str(error)}
        if answer is None:
            return 404, {"error": "unknown control endpoint"}
        return 200, answer

    def _token(self, method, headers, raw):
        """A client-credentials grant (RFC 6749, 4.4), for :meth:`_client_id`."""
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
        client_id = self._client_id(form, headers)
        if client_id is None:
            return self.invalid_client_status, {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }
        token = secrets.token_urlsafe(32)
        expiry = self.platform.now() + timedelta(seconds=self.token_lifetime)
        with self._lock:
            self._tokens[token] = (client_id, expiry)
        answer = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
        }
        if self.token_scope is not None:
            answer["scope"] = self.token_scope
        return 200, answer

    def _bearer(self, headers):
        """The client id of the request's bearer token; None unless valid."""
        scheme, _space, token = (headers.get("Authorization") or "").partition(" ")
        with self._lock:
            client_id, expiry = self._tokens.get(token, (None, None))
        if scheme != "Bearer" or client_id is None or expiry <= self.platform.now():
            return None
        return client_id

    def _client_id(self, form, headers):
        """The client a token request authenticates, None if it fails to."""
        raise NotImplementedError

    def _fault_body(self, path, status):
        """The body of an ``http`` fault's answer on ``path``."""
        raise NotImplementedError

    def _api(self, method, path, query, headers, raw):
        """``(status, body, headers)`` of one API call."""
        raise NotImplementedError


def serve(simulator, banner):
    """Run a simulator from the command line until SIGTERM or Ctrl-C.

    Logs one line per call, prints ``banner(simulator)`` once it listens,
    and stops it on the way out; a Ctrl-C goes on to the caller.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    _logger.setLevel(logging.DEBUG)  # one line per call
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stopped.set())
    simulator.start()
    try:
        sys.stdout.write(banner(simulator))
        sys.stdout.flush()
        stopped.wait()
    finally:
        simulator.stop()
