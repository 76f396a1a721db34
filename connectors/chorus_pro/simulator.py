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
import json
import logging
import sys
from http import HTTPStatus
from pathlib import Path

from .. import simulation
from ..simulation import CONTROL, FAULT_KINDS, Fault  # noqa: F401 (re-exported)
from .simulated_platform import INVALID_REQUEST, ApiError, Platform

_logger = logging.getLogger(__name__)

TOKEN_PATH = "/api/oauth/token"
HEALTH_CHECK = "/cpro/transverses/v1/health-check"
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

# The logins this local simulator accepts unless told otherwise: public
# test values (printed at start, used by the demo), not secrets of any real
# platform.
DEFAULT_CLIENT_ID = "simulator-client"
DEFAULT_CLIENT_SECRET = "simulator-secret"
DEFAULT_LOGIN = "TECH_simulateur@cpro.fr"
DEFAULT_PASSWORD = "simulator-password"


class Simulator(simulation.Simulator):
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

    server_version = "ChorusProSimulator/1.0"
    thread_name = "chorus-pro-simulator"
    token_path = TOKEN_PATH
    invalid_client_status = 400  # PISTE's answer
    token_scope = "openid"

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
        super().__init__(
            Platform(
                structures=structures,
                step_seconds=step_seconds,
                speed=speed,
                start=start,
            ),
            host=host,
            port=port,
            token_lifetime=token_lifetime,
            seed=seed,
        )
        self.client_id, self.client_secret = client_id, client_secret
        self.accounts = dict(accounts or {DEFAULT_LOGIN: DEFAULT_PASSWORD})
        self.unsubscribed = tuple(unsubscribed)

    # HTTP ------------------------------------------------------------------------

    @staticmethod
    def _fault_body(path, status):
        return {
            "error": HTTPStatus(status).phrase,
            "error_description": "Panne simulée.",
        }

    def _client_id(self, form, headers):
        """PISTE reads the application's credentials from the form only."""
        credentials = (form.get("client_id"), form.get("client_secret"))
        if credentials != (self.client_id, self.client_secret):
            return None
        return self.client_id

    def _account(self, headers):
        """The technical account a request acts for, or None when refused."""
        if self._bearer(headers) is None:
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

    def _api(self, method, path, query, headers, raw):
        """Chorus Pro reads no query string and sends no header of its own."""
        status, body = self._call(method, path, headers, raw)
        return status, body, {}

    def _call(self, method, path, headers, raw):
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
    )

    def banner(simulator):
        return (
            f"Chorus Pro simulator on {simulator.url}\n"
            f"  token URL  {simulator.token_url}\n"
            f"  API URL    {simulator.url}\n"
            f"  PISTE client id / secret   {arguments.client_id} / "
            f"{arguments.client_secret}\n"
            f"  technical login / password {arguments.login} / {arguments.password}\n"
            f"  one state every {arguments.step:g} virtual s, clock speed "
            f"{arguments.speed:g}; POST {CONTROL}clock to move it\n"
        )

    try:
        simulation.serve(simulator, banner)
    except KeyboardInterrupt:
        _logger.info("Interrupted.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
