# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The transport shared by the HTTP API clients (Chorus Pro, approved platforms).

Both APIs take an OAuth2 client-credentials bearer token and fail the same
ways, so the token cache and the mapping of network failures to typed errors
(:mod:`.errors`) live here once. A request that fails before it leaves gives
a :class:`TransientError`; a write whose answer was lost after the request
left gives an :class:`OutcomeUnknownError`, since the peer may have processed
it. Each client keeps its own headers, endpoints, error bodies and words.
Messages never hold a secret, and no request body or header is logged.
"""

import logging
import threading
import time

import requests
from urllib3.exceptions import NewConnectionError

from .errors import OutcomeUnknownError, PermanentError, TransientError

_logger = logging.getLogger(__name__)

TOKEN_RENEWAL_MARGIN = 60  # seconds before expiry


def is_unavailable(status):
    """Whether an HTTP status asks to come back later (429, 5xx)."""
    return status == 429 or status >= 500


def unavailable_error_type(status, *, write):
    """The error type of an HTTP 429 or 5xx answer.

    A gateway error (502, 504) may hide a write the peer processed anyway.
    """
    return OutcomeUnknownError if write and status in (502, 504) else TransientError


def _request_may_have_arrived(error):
    """Whether a ``requests`` error may have happened after the request left."""
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError):
        return False
    if isinstance(error, requests.ConnectionError):
        cause = error.args[0] if error.args else None
        cause = getattr(cause, "reason", cause)  # urllib3 wraps it in MaxRetryError
        return not isinstance(cause, NewConnectionError)
    return True


class OAuthClient:
    """An API reached with an OAuth2 client-credentials bearer token.

    The token is cached, renewed a minute before it expires (half its
    lifetime when shorter), and once more when the API answers 401 anyway.
    A subclass says how its token endpoint takes the credentials
    (:meth:`_token_credentials`), how a refused token request reads
    (:meth:`_token_error`), and names the peer in the messages below.

    :param token_url: the OAuth2 token endpoint.
    :param api_url: the API base; paths are appended to it.
    :param client_id: the OAuth2 client id; with ``client_secret``.
    :param timeout: seconds to connect, and to wait for each answer.
    :param session: a ``requests.Session`` to reuse (one is made otherwise).
    """

    # Set by each client, in its peer's words; ``{what}`` is the request.
    token_issuer: str  # who gives the tokens, at the start of a sentence
    invalid_url_message: str
    unreachable_message: str
    lost_write_message: str
    #: When a token answer has no ``expires_in``; 0 refuses such a token.
    default_token_lifetime = 0

    def __init__(
        self,
        *,
        token_url,
        api_url,
        client_id,
        client_secret,
        timeout=30,
        session=None,
    ):
        self.token_url = token_url
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self._client_id = client_id
        self._client_secret = client_secret
        self._session = session or requests.Session()
        self._token = None
        self._token_renewal = 0.0
        self._token_lock = threading.Lock()

    def __repr__(self):
        return f"<{type(self).__name__} {self.api_url}>"

    def _token_credentials(self):
        """The ``requests`` arguments carrying the client id and secret."""
        raise NotImplementedError

    def _token_error(self, status, body):
        """The error for a token request answered ``status`` (not 200).

        :param body: the answer's JSON object, ``{}`` when it has none.
        """
        raise NotImplementedError

    def _access_token(self, *, renew=False):
        with self._token_lock:
            if renew or self._token is None or time.monotonic() >= self._token_renewal:
                asked_at = time.monotonic()
                self._token, lifetime = self._request_token()
                margin = min(TOKEN_RENEWAL_MARGIN, lifetime / 2)
                self._token_renewal = asked_at + lifetime - margin
            return self._token

    def _request_token(self):
        try:
            response = self._session.post(
                self.token_url,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                allow_redirects=False,
                **self._token_credentials(),
            )
        except requests.RequestException as error:
            raise self._network_error(error, "the token request") from None
        body = self._json(response)
        body = body if isinstance(body, dict) else {}
        if response.status_code != 200:
            raise self._token_error(response.status_code, body)
        try:
            lifetime = int(body.get("expires_in"))
        except (TypeError, ValueError):
            lifetime = 0
        lifetime = lifetime or self.default_token_lifetime
        if not body.get("access_token") or lifetime <= 0:
            raise TransientError(
                f"{self.token_issuer} answered the token request without a token."
            )
        _logger.debug("%r: new access token, valid %s s", self, lifetime)
        return body["access_token"], lifetime

    def _network_error(self, error, what, *, write=False):
        """The typed error for a request that got no answer."""
        details = f"{type(error).__name__}: {error}"
        if isinstance(error, ValueError):  # InvalidURL, MissingSchema...
            return PermanentError(self.invalid_url_message, details=details)
        if write and _request_may_have_arrived(error):
            return OutcomeUnknownError(
                self.lost_write_message.format(what=what), details=details
            )
        return TransientError(
            self.unreachable_message.format(what=what), details=details
        )

    @staticmethod
    def _json(response):
        """The answer's JSON, or None when it is not JSON."""
        try:
            return response.json()
        except ValueError:
            return None

    def _send(self, method, path, what, *, headers, write=False, **values):
        """Send one API request and return its answer, whatever its status.

        The token is renewed and the request sent again once on HTTP 401.

        :param what: the request in words, for the messages.
        :param write: whether the request changes something at the peer,
            so that a lost answer is an :class:`OutcomeUnknownError`.
        """
        for attempt in range(2):
            token = self._access_token(renew=attempt > 0)
            try:
                response = self._session.request(
                    method,
                    self.api_url + path,
                    headers={"Authorization": f"Bearer {token}", **headers},
                    timeout=self.timeout,
                    allow_redirects=False,
                    **values,
                )
            except requests.RequestException as error:
                raise self._network_error(error, what, write=write) from None
            _logger.debug("%r %s %s: HTTP %s", self, method, path, response.status_code)
            if response.status_code != 401:
                break
        return response
