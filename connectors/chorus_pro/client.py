# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Client of the Chorus Pro API, reached through the PISTE gateway.

Each call carries two credentials: the PISTE application's bearer token
(OAuth2 client credentials, cached and renewed a minute before it expires)
and the ``cpro-account`` header naming the supplier's technical account.
Every answer is checked twice, on its HTTP status and on its ``codeRetour``.

Errors are typed (:mod:`..errors`): the network, HTTP 429 and 5xx give a
:class:`TransientError`; a refusal (4xx, non-zero ``codeRetour``) gives a
:class:`PermanentError` with ``codeRetour`` as code and ``libelle`` as
details; a write (deposit, complete, recycle) whose answer was lost after
the request left gives an :class:`OutcomeUnknownError`. Messages never hold
a secret, and no request body or header is logged.
"""

import base64
import gzip
import io
import logging
import tarfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from ..errors import OutcomeUnknownError, PermanentError, TransientError
from ..oauth_client import OAuthClient, is_unavailable, unavailable_error_type
from .rules import check_commitment_number, check_service_code
from .statuses import FLUX_FINAL, FLUX_INTEGRATED

_logger = logging.getLogger(__name__)

FACTURX_SYNTAX = "IN_DP_E2_CII_FACTURX"
JSON = "application/json;charset=utf-8"
# Chorus Pro writes local times without an offset in some answers.
PARIS = ZoneInfo("Europe/Paris")
ATTACHMENT_NAME_MAX_LENGTH = 50
ATTACHMENT_MAX_SIZE = 10 * 1024 * 1024

DEPOSIT = "/cpro/factures/v1/deposer/flux"
SEARCH_INVOICES = "/cpro/factures/v1/rechercher/fournisseur"
HISTORY = "/cpro/factures/v1/consulter/historique"
COMPLETE = "/cpro/factures/v1/completer"
RECYCLE = "/cpro/factures/v1/recycler"
REPORT = "/cpro/transverses/v1/consulterCRDetaille"
ADD_FILE = "/cpro/transverses/v1/ajouter/fichier"
HEALTH_CHECK = "/cpro/transverses/v1/health-check"
SEARCH_STRUCTURES = "/cpro/structures/v1/rechercher"
STRUCTURE = "/cpro/structures/v1/consulter"
SEARCH_SERVICES = "/cpro/structures/v1/rechercher/services"
SERVICE = "/cpro/structures/v1/consulter/service"
SEARCH_COMMITMENTS = "/cpro/engagementsJuridiques/v1/rechercher"


@dataclass(frozen=True)
class Deposit:
    number: str  # numeroFluxDepot
    deposited_on: date | None


@dataclass(frozen=True)
class InvoiceError:
    """An invoice of a deposit that Chorus Pro did not integrate."""

    number: str  # the supplier's invoice number (numeroDP)
    message: str


@dataclass(frozen=True)
class TechnicalError:
    code: str
    message: str


@dataclass(frozen=True)
class DepositReport:
    state: str  # etatCourantDepotFlux
    final: bool
    integrated: bool  # at least some invoices became Chorus Pro invoices
    invoice_errors: tuple = ()  # of InvoiceError
    technical_errors: tuple = ()  # of TechnicalError


@dataclass(frozen=True)
class InvoiceState:
    cpp_id: int  # identifiantFactureCPP
    number: str
    status: str
    deposit_number: str
    changed_at: datetime | None  # aware, UTC
    comment: str


@dataclass(frozen=True)
class StatusEvent:
    event_id: int  # histoStatutId
    status: str
    at: datetime | None  # aware, UTC
    comment: str


@dataclass(frozen=True)
class Structure:
    structure_id: int  # idStructureCPP
    siret: str
    name: str


@dataclass(frozen=True)
class StructureRules:
    service_required: bool
    commitment_required: bool
    service_or_commitment: bool
    payment_status_not_reported: bool


@dataclass(frozen=True)
class Service:
    service_id: int
    code: str
    name: str
    active: bool


@dataclass(frozen=True)
class ServiceRules:
    commitment_required: bool


@dataclass(frozen=True)
class Attachment:
    """A supporting document sent with :meth:`ChorusProClient.complete`."""

    name: str  # with its extension, at most 50 characters
    content: bytes = field(repr=False)
    mimetype: str = "application/pdf"


def make_archive(files):
    """A tar.gz of ``{filename: bytes}``, to deposit several invoices at once.

    The archive is the same for the same files (no timestamps), so that a
    payload frozen before the first attempt hashes the same on every retry.
    """
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed:
        with tarfile.open(fileobj=compressed, mode="w") as archive:
            for name, content in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value):
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _datetime(value):
    """An aware UTC datetime from ISO text; local Paris time when no offset."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        _logger.warning("Chorus Pro sent an unreadable date: %r", value)
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=PARIS)
    return moment.astimezone(timezone.utc)


class ChorusProClient(OAuthClient):
    """The supplier's side of the Chorus Pro API.

    :param token_url: PISTE's OAuth2 token endpoint.
    :param api_url: the API base, without the ``/cpro/...`` path.
    :param client_id: the PISTE application's id; with ``client_secret``.
    :param login: the Chorus Pro technical account; with ``password``.
    :param timeout: seconds to connect, and to wait for each answer.
    :param session: a ``requests.Session`` to reuse (one is made otherwise).
    """

    token_issuer = "PISTE"
    invalid_url_message = "The Chorus Pro address is not a valid URL."
    unreachable_message = "Chorus Pro could not be reached for {what}."
    lost_write_message = (
        "Chorus Pro did not answer {what}: it may have been processed. "
        "Look it up on Chorus Pro before sending it again."
    )

    def __init__(self, *, login, password, **settings):
        super().__init__(**settings)
        self._account = base64.b64encode(f"{login}:{password}".encode()).decode()

    # Transport ---------------------------------------------------------------

    def _token_credentials(self):
        return {
            "data": {
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "scope": "openid",
            }
        }

    def _token_error(self, status, body):
        if is_unavailable(status):
            return TransientError(
                f"PISTE cannot give an access token now (HTTP {status}).", code=status
            )
        return PermanentError(
            f"PISTE refused the application's credentials (HTTP {status}): "
            "check the PISTE client id and secret.",
            code=body.get("error") or status,
            details=body.get("error_description"),
        )

    def _call(self, path, payload=None, *, write=False, method="POST"):
        """Send one API request with the technical account; check its answer."""
        headers = {"cpro-account": self._account, "Content-Type": JSON, "Accept": JSON}
        response = self._send(
            method, path, path, headers=headers, write=write, json=payload
        )
        return self._answer(path, response, write=write)

    def _answer(self, path, response, *, write):
        status = response.status_code
        body = self._json(response)
        body = body if isinstance(body, dict) else None
        code = _int((body or {}).get("codeRetour"))
        label = (body or {}).get("libelle") or (body or {}).get("error_description")
        if is_unavailable(status):
            error = unavailable_error_type(status, write=write)
            raise error(
                f"Chorus Pro is unavailable for {path} (HTTP {status}).",
                code=code or status,
                details=label,
            )
        if status == 401:
            raise PermanentError(
                "Chorus Pro refused the credentials (HTTP 401): check the PISTE "
                "client id and secret, and the technical account's login and "
                "password (that password expires).",
                code=code or status,
                details=label,
            )
        if status == 403:
            raise PermanentError(
                f"The PISTE application may not call {path} (HTTP 403): "
                "subscribe it to this Chorus Pro API on PISTE.",
                code=code or status,
                details=label,
            )
        if status >= 300:
            raise PermanentError(
                f"Chorus Pro refused {path} (HTTP {status}): "
                f"{label or 'no reason given'}",
                code=code or status,
                details=label,
            )
        if body is None:
            error = OutcomeUnknownError if write else TransientError
            raise error(f"Chorus Pro answered {path} without a readable body.")
        if code:
            raise PermanentError(
                f"Chorus Pro refused {path}: {label or 'no reason given'}",
                code=code,
                details=label,
            )
        return body

    def _pages(self, path, payload, paging_key, list_key, page_size):
        """Every item of a paged search: Chorus Pro gives 10 per page unless told."""
        page, pages = 1, 1
        while page <= pages:
            paging = {"nbResultatsParPage": page_size, "pageResultatDemandee": page}
            body = self._call(path, {**payload, paging_key: paging})
            yield from body.get(list_key) or ()
            pages = _int((body.get("parametresRetour") or {}).get("pages")) or 0
            page += 1

    # Invoices ----------------------------------------------------------------

    def deposit(self, filename, content, syntax=FACTURX_SYNTAX):
        """Deposit one file (or a tar.gz of several); return its deposit number.

        Processing is asynchronous: :meth:`deposit_report` says later what
        became of the file.
        """
        body = self._call(
            DEPOSIT,
            {
                "fichierFlux": base64.b64encode(content).decode(),
                "nomFichier": filename,
                "syntaxeFlux": syntax,
                "avecSignature": False,
            },
            write=True,
        )
        if not body.get("numeroFluxDepot"):
            raise OutcomeUnknownError(
                "Chorus Pro accepted the file but gave no deposit number."
            )
        return Deposit(body["numeroFluxDepot"], _date(body.get("dateDepot")))

    def deposit_report(self, deposit_number):
        """The state of a deposit, and the invoices it did not integrate."""
        body = self._call(REPORT, {"numeroFluxDepot": deposit_number})
        state = body.get("etatCourantDepotFlux") or ""
        return DepositReport(
            state=state,
            final=state in FLUX_FINAL,
            integrated=state in FLUX_INTEGRATED,
            invoice_errors=tuple(
                InvoiceError(
                    str(item.get("numeroDP") or ""), item.get("libelleErreurDP") or ""
                )
                for item in body.get("listeErreurDP") or ()
            ),
            technical_errors=tuple(
                TechnicalError(
                    str(item.get("codeErreur") or ""), item.get("libelleErreur") or ""
                )
                for item in body.get("listeErreurTechnique") or ()
            ),
        )

    def search_invoices(
        self,
        *,
        deposit_number=None,
        invoice_number=None,
        deposited_from=None,
        deposited_to=None,
        page_size=100,
    ):
        """The supplier's invoices matching every criterion given, all pages."""
        criteria = {
            "numeroFluxDepot": deposit_number,
            "numeroFacture": invoice_number,
            "periodeDateDepotDu": deposited_from and deposited_from.isoformat(),
            "periodeDateDepotAu": deposited_to and deposited_to.isoformat(),
        }
        items = self._pages(
            SEARCH_INVOICES,
            {key: value for key, value in criteria.items() if value},
            "rechercheFactureParFournisseur",
            "listeFactures",
            page_size,
        )
        return [
            InvoiceState(
                cpp_id=_int(item.get("identifiantFactureCPP")),
                number=item.get("numeroFacture") or "",
                status=item.get("statut") or "",
                deposit_number=item.get("numeroFluxDepot") or "",
                changed_at=_datetime(item.get("dateHeureEtatCourant")),
                comment=item.get("commentaireEtatCourant") or "",
            )
            for item in items
        ]

    def invoice_history(self, cpp_id, page_size=100):
        """Every status an invoice went through, oldest first."""
        events, page, pages = [], 1, 1
        while page <= pages:
            body = self._call(
                HISTORY,
                {
                    "idFacture": cpp_id,
                    "paramRechercheHistoStatuts": {
                        "nbResultatsParPageListeHistoStatut": page_size,
                        "pageResultatDemandeeListeHistoStatut": page,
                    },
                },
            )
            history = body.get("historiquesDesStatuts") or {}
            events += [
                StatusEvent(
                    event_id=_int(item.get("histoStatutId")),
                    status=item.get("histoStatutCode") or "",
                    at=_datetime(item.get("histoStatutDatePassage")),
                    comment=item.get("histoStatutCommentaire") or "",
                )
                for item in history.get("histoStatut") or ()
            ]
            pages = _int(history.get("pagesHistoStatut")) or 0
            page += 1
        return sorted(events, key=lambda event: event.event_id or 0)

    def complete(self, cpp_id, comment, attachments=()):
        """Answer a suspended invoice with a comment and supporting documents."""
        for attachment in attachments:
            self._check_attachment(attachment)
        documents = [
            {
                "pieceJointeComplementaireDesignation": attachment.name,
                "pieceJointeComplementaireId": self._add_file(attachment),
                "pieceJointeComplementaireType": "ANNEXE",
            }
            for attachment in attachments
        ]
        self._call(
            COMPLETE,
            {
                "identifiantFactureCPP": cpp_id,
                "commentaire": comment,
                "pieceJointeComplementaire": documents,
            },
            write=True,
        )

    def recycle(self, cpp_id, buyer_siret, service_code, commitment_number, comment):
        """Send an invoice to recycle on with new routing, same invoice number."""
        self._call(
            RECYCLE,
            {
                "identifiantFactureCPP": cpp_id,
                "idUtilisateurCourant": 0,
                "destinataire": {
                    "codeDestinataire": buyer_siret,
                    "codeServiceExecutant": check_service_code(service_code),
                },
                "reference": {
                    "numeroBonCommande": check_commitment_number(commitment_number)
                },
                "commentaire": comment,
            },
            write=True,
        )

    @staticmethod
    def _check_attachment(attachment):
        name = attachment.name
        if len(name) > ATTACHMENT_NAME_MAX_LENGTH or "." not in name:
            raise PermanentError(
                f"The attachment name {name!r} must have an extension and at most "
                f"{ATTACHMENT_NAME_MAX_LENGTH} characters."
            )
        if len(attachment.content) > ATTACHMENT_MAX_SIZE:
            raise PermanentError(f"The attachment {name!r} is larger than 10 MB.")

    def _add_file(self, attachment):
        body = self._call(
            ADD_FILE,
            {
                "pieceJointeFichier": base64.b64encode(attachment.content).decode(),
                "pieceJointeNom": attachment.name,
                "pieceJointeTypeMime": attachment.mimetype,
                "pieceJointeExtension": attachment.name.rsplit(".", 1)[1].upper(),
            },
        )
        return body.get("pieceJointeId")

    # Structures ----------------------------------------------------------------

    def find_structure(self, siret):
        """The Chorus Pro structure of a SIRET; exactly one must exist."""
        found = list(
            self._pages(
                SEARCH_STRUCTURES,
                {
                    "structure": {
                        "identifiantStructure": siret,
                        "typeIdentifiantStructure": "SIRET",
                    }
                },
                "parametres",
                "listeStructures",
                10,
            )
        )
        if len(found) != 1:
            raise PermanentError(
                f"Chorus Pro knows {len(found)} structures with the SIRET {siret}, "
                "not one: check the customer's SIRET."
            )
        return Structure(
            structure_id=_int(found[0].get("idStructureCPP")),
            siret=found[0].get("identifiantStructure") or siret,
            name=found[0].get("designationStructure") or "",
        )

    def structure_rules(self, structure_id):
        """What a buyer requires on its invoices (service code, commitment)."""
        body = self._call(
            STRUCTURE, {"idStructureCPP": structure_id, "codeLangue": "fr"}
        )
        flags = body.get("parametres") or {}
        return StructureRules(
            service_required=bool(flags.get("codeServiceDoitEtreRenseigne")),
            commitment_required=bool(flags.get("numeroEJDoitEtreRenseigne")),
            service_or_commitment=bool(flags.get("gestionNumeroEJOuCodeService")),
            payment_status_not_reported=bool(
                flags.get("statutMiseEnPaiementNestPasRemonte")
            ),
        )

    def structure_services(self, structure_id, page_size=1000):
        """Every service of a structure, active or not."""
        items = self._pages(
            SEARCH_SERVICES,
            {"idStructure": structure_id},
            "parametresRechercherServicesStructure",
            "listeServices",
            page_size,
        )
        return [
            Service(
                service_id=_int(item.get("idService")),
                code=item.get("codeService") or "",
                name=item.get("libelleService") or "",
                active=bool(item.get("estActif")),
            )
            for item in items
        ]

    def service_rules(self, structure_id, service_id):
        body = self._call(
            SERVICE,
            {"idStructure": structure_id, "idService": service_id, "codeLangue": "fr"},
        )
        flags = body.get("parametres") or {}
        return ServiceRules(commitment_required=bool(flags.get("numeroEngagement")))

    def commitment_exists(self, structure_id, commitment_number):
        """Whether the buyer knows this commitment number (EJ)."""
        body = self._call(
            SEARCH_COMMITMENTS,
            {
                "structureReceptriceEngagementJuridique": str(structure_id),
                "numeroEngagementJuridique": check_commitment_number(commitment_number),
                "etatCourantEngagementJuridique": "COMMANDE",
            },
        )
        return bool(body.get("listeEngagementJuridique"))

    def health_check(self):
        """Whether Chorus Pro answers; refused credentials still raise."""
        try:
            self._call(HEALTH_CHECK, method="GET")
        except TransientError:
            return False
        return True
