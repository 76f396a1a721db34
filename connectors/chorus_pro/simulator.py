# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A local Chorus Pro, with its PISTE token endpoint, for tests and demos.

Start it from the add-on's folder::

    python -m connectors.chorus_pro.simulator --port 8780

or in process: ``Simulator(port=0).start()``, then ``.url`` (the API base)
and ``.token_url`` (``<url>/api/oauth/token``). It answers like the real
API: same paths, JSON fields, ``codeRetour``/``libelle``, HTTP codes (400
for a functional error, 401 without a valid bearer token or ``cpro-account``
header, 403 for an API the application is not subscribed to), 10 results
per page unless asked otherwise. What happens to deposits and invoices, and
which invoice data triggers which path, is described in
:mod:`.simulated_platform`.

Control endpoints (no authentication), mirrored by Python methods:

- ``GET /_simulator/state``: deposits, invoices, how many deposits and
  invoices each invoice number has, calls and answers per path
  (:meth:`Simulator.state`);
- ``POST /_simulator/clock`` ``{"seconds": N}``: move the virtual clock,
  one step by default (:meth:`Simulator.advance`);
- ``POST /_simulator/faults`` ``{"kind", "path", "status", "count", "rate",
  "delay"}``: inject a fault (:meth:`Simulator.inject`);
  ``DELETE /_simulator/faults`` removes them all;
- ``POST /_simulator/tokens/expire``: every token issued so far expires
  (:meth:`Simulator.expire_tokens`).
"""

import argparse
import base64
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
from datetime import timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .simulated_platform import INVALID_REQUEST, ApiError, Platform

_logger = logging.getLogger(__name__)

TOKEN_PATH = "/api/oauth/token"
HEALTH_CHECK = "/cpro/transverses/v1/health-check"
CONTROL = "/_simulator/"
OPERATIONS = {
    "/cpro/factures/v1/deposer/flux": "deposit",
    "/cpro/factures/v1/rechercher/fournisseur": "search_invoices",
    "/cpro/factures/v1/consulter/historique": "history",
    "/cpro/factures/v1/completer": "complete",
    "/cpro/factures/v1/recycler": "recycle",
    "/cpro/transverses/v1/consulterCRDetaille": "report",
    "/cpro/transverses/v1/ajouter/fichier": "add_file",
    "/cpro/structures/v1/rechercher": "search_structures",
    "/cpro/structures/v1/consulter": "structure",
    "/cpro/structures/v1/rechercher/services": "search_services",
    "/cpro/structures/v1/consulter/service": "service",
    "/cpro/engagementsJuridiques/v1/rechercher": "search_commitments",
}
# Success labels as Chorus Pro writes them.
WRITE_LABEL = "GCU_MSG_01_000"
READ_LABEL = "TRA_MSG_00.000"
WRITES = {"deposit", "complete", "recycle", "add_file"}

DEFAULT_CLIENT_ID = "simulator-client"
DEFAULT_CLIENT_SECRET = "simulator-secret"
DEFAULT_LOGIN = "TECH_simulateur@cpro.fr"
DEFAULT_PASSWORD = "simulator-password"
FAULT_KINDS = ("http", "timeout", "drop")


@dataclass
class Fault:
    """A failure the simulator plays on the requests it matches.

    ``http``: answer ``status`` (500, 429...) without processing; ``timeout``:
    process, then wait ``delay`` seconds before answering; ``drop``: process,
    then close the connection without answering (a deposit is recorded).
    ``path`` limits it to one path (token endpoint included), ``rate`` plays
    it on that share of the requests, ``count`` at most that many times;
    without either it plays on every request until cleared.
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
    server_version = "ChorusProSimulator/1.0"
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


class Simulator:
    """A local Chorus Pro and PISTE token endpoint on 127.0.0.1.

    :param port: the port, 0 for any free one.
    :param client_id: the PISTE application's id; with ``client_secret``.
    :param accounts: ``{login: password}`` of the technical accounts; each
        sees only its own deposits and invoices.
    :param token_lifetime: ``expires_in`` of the tokens, in virtual seconds.
    :param step_seconds: virtual seconds between two states of a deposit or
        an invoice.
    :param speed: virtual seconds per real second; 0 (the default) stops
        the clock between calls of :meth:`advance`.
    :param structures: the buyers (see ``DEFAULT_STRUCTURES``).
    :param unsubscribed: path prefixes answered 403, as PISTE does for an
        API the application is not subscribed to.
    :param seed: of the random numbers that play faults by rate.
    """

    def __init__(
        self,
        port=0,
        *,
        host="127.0.0.1",
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        accounts=None,
        token_lifetime=3600,
        step_seconds=60,
        speed=0.0,
        start=None,
        structures=None,
        unsubscribed=(),
        seed=0,
    ):
        self.host, self.port = host, port
        self.client_id, self.client_secret = client_id, client_secret
        self.accounts = dict(accounts or {DEFAULT_LOGIN: DEFAULT_PASSWORD})
        self.token_lifetime = token_lifetime
        self.unsubscribed = tuple(unsubscribed)
        self.platform = Platform(
            structures=structures, step_seconds=step_seconds, speed=speed, start=start
        )
        self._lock = threading.Lock()
        self._tokens = {}  # token -> virtual expiry
        self._faults = []
        self._fault_ids = itertools.count(1)
        self._random = random.Random(seed)
        self._calls = Counter()
        self._answers = defaultdict(Counter)
        self._server = None
        self._thread = None

    # Life cycle ------------------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.simulator = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="chorus-pro-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
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

    # Control ---------------------------------------------------------------------

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
        """Deposits, invoices, counts per invoice number, calls per path."""
        state = self.platform.snapshot()
        with self._lock:
            state["calls"] = dict(self._calls)
            state["answers"] = {path: dict(c) for path, c in self._answers.items()}
            state["faults"] = [asdict(fault) for fault in self._faults]
        return state

    # HTTP ------------------------------------------------------------------------

    def handle(self, handler, method):
        path = urlsplit(handler.path).path
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if path.startswith(CONTROL):
            status, body = self._control(method, path, raw)
            self._respond(handler, status, body)
            return
        fault = self._take_fault(path)
        if fault is not None and fault.kind == "http":
            status = fault.status
            body = {
                "error": HTTPStatus(status).phrase,
                "error_description": "Panne simulée.",
            }
        elif path == TOKEN_PATH:
            status, body = self._token(method, handler.headers, raw)
        else:
            status, body = self._api(method, path, handler.headers, raw)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "drop":
            self._record(path, "dropped")
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        self._record(path, status)
        headers = {"Retry-After": "1"} if status == 429 else {}
        self._respond(handler, status, body, headers)

    def _take_fault(self, path):
        with self._lock:
            self._calls[path] += 1
            for fault in self._faults:
                if fault.path not in (None, path):
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
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json;charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
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
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return 400, {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }
        token = secrets.token_urlsafe(32)
        expiry = self.platform.now() + timedelta(seconds=self.token_lifetime)
        with self._lock:
            self._tokens[token] = expiry
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "scope": "openid",
        }

    def _account(self, headers):
        """The technical account a request acts for, or None when refused."""
        scheme, _space, token = (headers.get("Authorization") or "").partition(" ")
        with self._lock:
            expiry = self._tokens.get(token)
        if scheme != "Bearer" or expiry is None or expiry <= self.platform.now():
            return None, {
                "error": "invalid_token",
                "error_description": "Jeton d'accès absent, invalide ou expiré.",
            }
        try:
            login, _colon, password = (
                base64.b64decode(headers.get("cpro-account") or "", validate=True)
                .decode()
                .partition(":")
            )
        except ValueError:
            login = password = None
        if login not in self.accounts or self.accounts[login] != password:
            return None, {
                "codeRetour": 1,
                "libelle": "Compte technique inconnu ou mot de passe erroné "
                "(cpro-account).",
            }
        return login, None

    def _api(self, method, path, headers, raw):
        if path != HEALTH_CHECK and path not in OPERATIONS:
            return 404, {"error": "not_found", "error_description": "API inconnue."}
        if path.startswith(self.unsubscribed):
            return 403, {
                "error": "forbidden",
                "error_description": "Application non abonnée à cette API.",
            }
        account, refusal = self._account(headers)
        if account is None:
            return 401, refusal
        if path == HEALTH_CHECK:
            if method != "GET":
                return 405, {"error": "method_not_allowed"}
            return 200, {"codeRetour": 0, "libelle": READ_LABEL}
        if method != "POST":
            return 405, {"error": "method_not_allowed"}
        if "application/json" not in (headers.get("Content-Type") or ""):
            return 415, {"error": "unsupported_media_type"}
        try:
            request = json.loads(raw or b"{}")
            if not isinstance(request, dict):
                raise ValueError(request)
        except ValueError:
            return 400, {
                "codeRetour": INVALID_REQUEST,
                "libelle": "Requête JSON mal formée.",
            }
        operation = OPERATIONS[path]
        try:
            answer = self.platform.call(operation, account, request)
        except ApiError as error:
            return 400, {"codeRetour": error.code, "libelle": error.label}
        except Exception:
            _logger.exception("The simulator failed on %s", path)
            return 500, {"error": "internal_error"}
        label = WRITE_LABEL if operation in WRITES else READ_LABEL
        return 200, {"codeRetour": 0, "libelle": label, **answer}

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
        except (TypeError, ValueError) as error:
            return 400, {"error": str(error)}
        return 404, {"error": "unknown control endpoint"}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m connectors.chorus_pro.simulator",
        description="A local Chorus Pro (PISTE token endpoint and API).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument(
        "--step", type=float, default=60, help="virtual seconds between two states"
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="virtual seconds per real second"
    )
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument("--login", default=DEFAULT_LOGIN)
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument("--token-lifetime", type=int, default=3600)
    parser.add_argument(
        "--structures", type=Path, help="JSON list of buyers (default: a demo set)"
    )
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
        accounts={arguments.login: arguments.password},
        token_lifetime=arguments.token_lifetime,
        step_seconds=arguments.step,
        speed=arguments.speed,
        structures=json.loads(arguments.structures.read_text())
        if arguments.structures
        else None,
        seed=arguments.seed,
    ).start()
    sys.stdout.write(
        f"Chorus Pro simulator on {simulator.url}\n"
        f"  token URL  {simulator.token_url}\n"
        f"  API URL    {simulator.url}\n"
        f"  PISTE client id / secret   {arguments.client_id} / "
        f"{arguments.client_secret}\n"
        f"  technical login / password {arguments.login} / {arguments.password}\n"
        f"  one state every {arguments.step:g} virtual s, clock speed "
        f"{arguments.speed:g}; POST {CONTROL}clock to move it\n"
    )
    sys.stdout.flush()
    try:
        stopped.wait()
    except KeyboardInterrupt:
        _logger.info("Interrupted.")
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
