# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the local Chorus Pro does behind its HTTP API (see :mod:`.simulator`).

Deposits and invoices move on a virtual clock, one state per step:

- a deposit: ``IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP``, then
  ``IN_EN_COURS_TRAITEMENT_CPP``, then ``IN_INTEGRE``, ``IN_INTEGRE_PARTIEL``
  (some invoices listed in ``listeErreurDP``), ``IN_REJETE`` (an invalid
  file, or no invoice integrated) or ``IN_INCIDENTE``;
- an invoice: DEPOSEE, EN_COURS_ACHEMINEMENT, MISE_A_DISPOSITION,
  SERVICE_FAIT, MANDATEE, MISE_EN_PAIEMENT (it stays MANDATEE when its buyer
  does not report payments).

Data in the invoice triggers the other paths, from MISE_A_DISPOSITION:

- ``#SUSPENDUE`` in a note (BT-22) or a line name: SUSPENDUE until the
  supplier calls ``completer``; then COMPLETEE and back to MISE_A_DISPOSITION;
- ``#A_RECYCLER``, or a commitment number (BT-13) the buyer does not know
  when it lists its commitments: A_RECYCLER until the supplier calls
  ``recycler`` with a valid routing; then EN_COURS_ACHEMINEMENT again;
- ``#REJETEE``: REJETEE, final;
- ``#INCIDENTE``: the whole deposit ends ``IN_INCIDENTE``.

The buyer is the structure of the buyer's SIRET (BT-46, scheme 0009) or,
failing that, of its SIREN when one structure has it. Its service code is
BT-10 and its commitment number BT-13; an unknown buyer, a routing that
breaks the buyer's rules, ``FACTURES_PUBLIQUES``, or an invoice number the
supplier already used put the invoice in ``listeErreurDP``.

Error codes (``codeRetour``) other than 20001/20002 are this simulator's own
choice: Chorus Pro's catalogue is not public in full.
"""

import base64
import io
import itertools
import math
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from lxml import etree

from ..facturx.cii import NS
from ..facturx.parse import parse_cii
from ..facturx.pdf import PdfError, extract_xml
from ..facturx.validation import validate_xml
from ..simulation import VirtualClock

PARIS = ZoneInfo("Europe/Paris")
FACTURX = "IN_DP_E2_CII_FACTURX"
CII_16B = "IN_DP_E1_CII_16B"
INTERFACES = {FACTURX: "FSO1117A", CII_16B: "FSO1106A"}
OTHER_SYNTAXES = {
    "IN_DP_E1_UBL_INVOICE",
    "IN_DP_E1_CII",
    "IN_DP_E1_XCBL",
    "IN_DP_E1_PES_FACTURE",
    "IN_DP_E2_UBL_INVOICE_MIN",
    "IN_DP_E2_CII_MIN",
    "IN_DP_E2_CII_MIN_16B",
    "IN_DP_E2_PES_FACTURE_MIN",
    "IN_DP_E2_CPP_FACTURE_MIN",
    "IN_DP_E3_UBL_INVOICE",
}
MAX_FLUX_SIZE = 120 * 1024 * 1024
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
PUBLIC_INVOICES_SERVICE = "FACTURES_PUBLIQUES"
DEFAULT_PAGE_SIZE = 10

# codeRetour of functional errors (HTTP 400).
INVALID_FLUX = 20001
UNKNOWN_SYNTAX = 20002
UNKNOWN_OBJECT = 20003
WRONG_STATUS = 20004
INVALID_REQUEST = 20005

WAITING = "IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP"
PROCESSING = "IN_EN_COURS_TRAITEMENT_CPP"
NEXT_STATUS = {
    "DEPOSEE": "EN_COURS_ACHEMINEMENT",
    "EN_COURS_ACHEMINEMENT": "MISE_A_DISPOSITION",
    "COMPLETEE": "MISE_A_DISPOSITION",
    "SERVICE_FAIT": "MANDATEE",
    "MANDATEE": "MISE_EN_PAIEMENT",
}
# Where an invoice waits for the supplier, or its path ends.
STOPS = {"SUSPENDUE", "A_RECYCLER", "REJETEE", "MISE_EN_PAIEMENT"}
KEYWORDS = ("SUSPENDUE", "A_RECYCLER", "REJETEE", "INCIDENTE")
BUYER_COMMENTS = {
    "SUSPENDUE": "Pièce justificative manquante : joindre le bon de livraison signé.",
    "A_RECYCLER": "Destinataire ou service erroné : merci de recycler la facture.",
    "REJETEE": "Facture rejetée : prestation non conforme à la commande.",
    "SERVICE_FAIT": "Service fait constaté.",
    "MANDATEE": "Demande de paiement mandatée.",
    "MISE_EN_PAIEMENT": "Paiement émis par le comptable public.",
}

# Buyers of the default seed. The first one is the demo's municipality.
DEFAULT_STRUCTURES = (
    {
        "siret": "21600412700017",
        "name": "Commune de Rivecourt",
        "services": [
            {"code": PUBLIC_INVOICES_SERVICE, "name": "Factures publiques"},
            {"code": "SERVICES-TECHNIQUES", "name": "Services techniques"},
            {"code": "ECOLES", "name": "Affaires scolaires"},
            {"code": "ANCIEN-SERVICE", "name": "Ancien service", "active": False},
        ],
    },
    {
        "siret": "13000123300019",
        "name": "Direction des achats de l'État (démo)",
        "numeroEJDoitEtreRenseigne": True,
        "services": [
            {"code": PUBLIC_INVOICES_SERVICE, "name": "Factures publiques"},
            {"code": "ACHATS", "name": "Bureau des achats"},
        ],
        "commitments": ["1300012345", "1300067890", "1300011111"],
    },
    {
        "siret": "26690012500011",
        "name": "Centre hospitalier de Valfleuri",
        "codeServiceDoitEtreRenseigne": True,
        "services": [
            {"code": PUBLIC_INVOICES_SERVICE, "name": "Factures publiques"},
            {"code": "PHARMACIE", "name": "Pharmacie", "numeroEngagement": True},
            {"code": "SERVICES-TECHNIQUES", "name": "Services techniques"},
        ],
        "commitments": ["PH-2026-0001", "PH-2026-0002"],
    },
    {
        "siret": "22690001700014",
        "name": "Département de Val-Joli",
        "gestionNumeroEJOuCodeService": True,
        "statutMiseEnPaiementNestPasRemonte": True,
        "services": [
            {"code": PUBLIC_INVOICES_SERVICE, "name": "Factures publiques"},
            {"code": "DSI", "name": "Direction des systèmes d'information"},
            {"code": "VOIRIE", "name": "Voirie"},
        ],
    },
    {
        "siret": "19691774400019",
        "name": "Université de Belle-Rive",
        "codeServiceDoitEtreRenseigne": True,
        "numeroEJDoitEtreRenseigne": True,
        "services": [
            {"code": PUBLIC_INVOICES_SERVICE, "name": "Factures publiques"},
            {"code": "LABO-PHYSIQUE", "name": "Laboratoire de physique"},
        ],
        "commitments": ["U-2026-000001", "U-2026-000002"],
    },
)


class ApiError(Exception):
    """A functional refusal: HTTP 400 with a non-zero ``codeRetour``."""

    def __init__(self, code, label):
        super().__init__(label)
        self.code = code
        self.label = label


@dataclass
class ServiceRecord:
    service_id: int
    code: str
    name: str
    active: bool = True
    commitment_required: bool = False


@dataclass
class StructureRecord:
    structure_id: int
    siret: str
    name: str
    service_required: bool = False
    commitment_required: bool = False
    service_or_commitment: bool = False
    payment_status_not_reported: bool = False
    services: list = field(default_factory=list)
    commitments: frozenset = frozenset()

    def service(self, code):
        return next((s for s in self.services if s.code == code), None)


@dataclass
class Document:
    """What the platform read from one invoice file of a deposit."""

    number: str
    type_code: str
    issue_date: str
    currency: str
    supplier: str  # the seller's SIRET, else SIREN, else VAT number
    supplier_name: str
    buyer_siret: str
    buyer_siren: str
    service_code: str
    commitment: str
    contract: str
    amount_untaxed: str
    amount_total: str
    amount_due: str
    keywords: frozenset

    @property
    def supplier_key(self):
        """The supplier as its SIREN when known, whatever the profile says."""
        if len(self.supplier) == 14 and self.supplier.isdigit():
            return self.supplier[:9]
        return self.supplier


@dataclass
class Flux:
    number: str
    account: str
    filename: str
    syntax: str
    deposited_at: datetime
    state: str
    state_at: datetime
    documents: list
    technical_errors: list
    invoice_errors: list = field(default_factory=list)
    version: int = 0


@dataclass
class Invoice:
    cpp_id: int
    account: str
    document: Document
    flux_number: str
    deposited_at: datetime
    structure: StructureRecord
    service_code: str
    commitment: str
    status: str = ""
    status_at: datetime | None = None
    comment: str = ""
    scenario: str = ""
    history: list = field(default_factory=list)  # of (id, status, at, comment)
    attachments: list = field(default_factory=list)
    version: int = 0


def _structures(seed):
    ids = itertools.count(1)
    records = []
    for number, item in enumerate(seed, start=25000001):
        records.append(
            StructureRecord(
                structure_id=number,
                siret=item["siret"],
                name=item["name"],
                service_required=bool(item.get("codeServiceDoitEtreRenseigne")),
                commitment_required=bool(item.get("numeroEJDoitEtreRenseigne")),
                service_or_commitment=bool(item.get("gestionNumeroEJOuCodeService")),
                payment_status_not_reported=bool(
                    item.get("statutMiseEnPaiementNestPasRemonte")
                ),
                services=[
                    ServiceRecord(
                        service_id=number * 100 + next(ids),
                        code=service["code"],
                        name=service.get("name", service["code"]),
                        active=service.get("active", True),
                        commitment_required=bool(service.get("numeroEngagement")),
                    )
                    for service in item.get("services", ())
                ],
                commitments=frozenset(item.get("commitments", ())),
            )
        )
    return records


def _paris(moment):
    return moment.astimezone(PARIS)


def _iso(moment):
    return _paris(moment).isoformat(timespec="milliseconds")


def _day(moment):
    return _paris(moment).date().isoformat()


def _minute(moment):
    return _paris(moment).strftime("%Y-%m-%d %H:%M")


def _page(
    items, paging, size_key="nbResultatsParPage", page_key="pageResultatDemandee"
):
    """One page of ``items`` and its ``parametresRetour``: 10 per page by default."""
    paging = paging if isinstance(paging, dict) else {}
    try:
        size = int(paging.get(size_key) or DEFAULT_PAGE_SIZE)
        page = int(paging.get(page_key) or 1)
    except (TypeError, ValueError):
        raise ApiError(INVALID_REQUEST, "Paramètres de pagination invalides.") from None
    if size < 1 or page < 1:
        raise ApiError(INVALID_REQUEST, "Paramètres de pagination invalides.")
    return items[(page - 1) * size : page * size], {
        "nbResultatsParPage": size,
        "pageCourante": page,
        "pages": math.ceil(len(items) / size),
        "total": len(items),
    }


def _text(node, path):
    return node.xpath(f"string({path})", namespaces=NS).strip()


def read_document(xml):
    """The routing data, figures and scenario keywords of a CII invoice."""
    parsed = parse_cii(xml)
    root = etree.fromstring(xml)
    agreement = (
        "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:"
    )
    buyer = agreement + "BuyerTradeParty/ram:"
    seller = agreement + "SellerTradeParty/ram:"
    texts = root.xpath(
        "rsm:ExchangedDocument/ram:IncludedNote/ram:Content/text()"
        " | //ram:SpecifiedTradeProduct/ram:Name/text()",
        namespaces=NS,
    )
    return Document(
        number=parsed.number,
        type_code=parsed.type_code,
        issue_date=parsed.issue_date,
        currency=parsed.currency,
        supplier=_text(root, seller + "GlobalID[@schemeID='0009']")
        or parsed.seller.siren
        or parsed.seller.vat,
        supplier_name=parsed.seller.name,
        buyer_siret=_text(root, buyer + "GlobalID[@schemeID='0009']"),
        buyer_siren=parsed.buyer.siren,
        service_code=_text(root, agreement + "BuyerReference"),
        commitment=_text(
            root, agreement + "BuyerOrderReferencedDocument/ram:IssuerAssignedID"
        ),
        contract=_text(
            root, agreement + "ContractReferencedDocument/ram:IssuerAssignedID"
        ),
        amount_untaxed=str(parsed.tax_basis),
        amount_total=str(parsed.grand_total),
        amount_due=str(parsed.due),
        keywords=frozenset(k for k in KEYWORDS if any(f"#{k}" in t for t in texts)),
    )


def _unpack(content, filename):
    """The files of a deposit: one file, or the members of a tar.gz or zip."""
    if content[:2] == b"\x1f\x8b":
        with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
            return [
                (member.name, archive.extractfile(member).read())
                for member in archive.getmembers()
                if member.isfile()
            ]
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return [
                (name, archive.read(name))
                for name in archive.namelist()
                if not name.endswith("/")
            ]
    return [(filename, content)]


def _technical_error(code, message):
    return {"codeErreur": code, "libelleErreur": message, "natureErreur": "BLOQUANTE"}


def analyse_flux(content, filename, syntax):
    """Read and validate every invoice of a deposit.

    :returns: ``(documents, technical_errors)``; any technical error rejects
        the whole deposit, as a format error does on Chorus Pro.
    """
    try:
        files = _unpack(content, filename)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        return [], [_technical_error("ARCHIVE", f"Archive illisible : {error}")]
    if not files:
        return [], [_technical_error("ARCHIVE", "L'archive ne contient aucun fichier.")]
    documents, errors = [], []
    for name, data in files:
        xml = data
        if syntax == FACTURX:
            try:
                xml = extract_xml(data) if data.startswith(b"%PDF-") else None
            except PdfError:
                xml = None
            if xml is None:
                errors.append(
                    _technical_error(
                        "FACTURX",
                        f"{name} : pas un PDF Factur-X (factur-x.xml absent).",
                    )
                )
                continue
        report = validate_xml(xml)
        if not report.valid:
            errors += [
                _technical_error(finding.rule_id, f"{name} : {finding.message}")
                for finding in report.blocking
            ]
            continue
        documents.append(read_document(xml))
    return documents, errors


class Platform(VirtualClock):
    """The state of the local Chorus Pro, on its virtual clock, and operations.

    :param structures: the buyers, as dictionaries in the format of
        :data:`DEFAULT_STRUCTURES` (Chorus Pro's own flag names).
    :param step_seconds: virtual seconds between two states.
    :param speed: virtual seconds per real second (0: the clock only moves
        when :meth:`advance` is called).
    """

    def __init__(self, *, structures=None, step_seconds=60, speed=0.0, start=None):
        super().__init__(step_seconds=step_seconds, speed=speed, start=start)
        self.structures = _structures(
            DEFAULT_STRUCTURES if structures is None else structures
        )
        self.fluxes = {}
        self.invoices = {}  # by cpp id
        self.attachments = {}  # id -> (account, name)
        self._used_numbers = set()  # (supplier key, invoice number) integrated
        self._deposited_numbers = Counter()
        self._flux_ids = itertools.count(1)
        self._invoice_ids = itertools.count(1000001)
        self._history_ids = itertools.count(1)
        self._attachment_ids = itertools.count(5001)

    # Clock ---------------------------------------------------------------------

    def _schedule(self, record, when):
        """Plan the record's next state; a plan made before for it lapses."""
        record.version += 1
        self._add_event(when, (record.version, record))

    def tick(self):
        """Play every state change due by now, in time order."""
        with self.lock:
            for when, (version, record) in self._due_events():
                if version != record.version:
                    continue
                if isinstance(record, Flux):
                    self._flux_step(record, when)
                else:
                    self._invoice_step(record, when)

    # Deposits ------------------------------------------------------------------

    def _flux_step(self, flux, when):
        if flux.state == WAITING:
            flux.state, flux.state_at = PROCESSING, when
            self._schedule(flux, when + self.step)
            return
        flux.state_at = when
        if flux.technical_errors:
            flux.state = "IN_REJETE"
            return
        if any("INCIDENTE" in d.keywords for d in flux.documents):
            flux.state = "IN_INCIDENTE"
            return
        integrated = 0
        for document in flux.documents:
            structure = self._buyer(document)
            problems = self._integration_problems(document, structure)
            if problems:
                flux.invoice_errors.append(
                    {
                        "numeroDP": document.number,
                        "identifiantFournisseur": document.supplier,
                        "identifiantDestinataire": document.buyer_siret
                        or document.buyer_siren,
                        "libelleErreurDP": " ".join(problems),
                    }
                )
                continue
            self._integrate(flux, document, structure, when)
            integrated += 1
        if not integrated:
            flux.state = "IN_REJETE"
        elif flux.invoice_errors:
            flux.state = "IN_INTEGRE_PARTIEL"
        else:
            flux.state = "IN_INTEGRE"

    def _buyer(self, document):
        if document.buyer_siret:
            return next(
                (s for s in self.structures if s.siret == document.buyer_siret), None
            )
        matches = [
            s
            for s in self.structures
            if document.buyer_siren and s.siret.startswith(document.buyer_siren)
        ]
        return matches[0] if len(matches) == 1 else None

    def _integration_problems(self, document, structure):
        if structure is None:
            buyer = document.buyer_siret or document.buyer_siren or "absent"
            return [f"Le destinataire {buyer} est inconnu de Chorus Pro."]
        problems = routing_problems(
            structure, document.service_code, document.commitment
        )
        if (document.supplier_key, document.number) in self._used_numbers:
            problems.append(
                f"La facture {document.number} a déjà été déposée par ce fournisseur."
            )
        return problems

    def _integrate(self, flux, document, structure, when):
        invoice = Invoice(
            cpp_id=next(self._invoice_ids),
            account=flux.account,
            document=document,
            flux_number=flux.number,
            deposited_at=flux.deposited_at,
            structure=structure,
            service_code=document.service_code,
            commitment=document.commitment,
            scenario=next(
                (
                    k
                    for k in ("SUSPENDUE", "A_RECYCLER", "REJETEE")
                    if k in document.keywords
                ),
                "",
            ),
        )
        self.invoices[invoice.cpp_id] = invoice
        self._used_numbers.add((document.supplier_key, document.number))
        self._set_status(invoice, "DEPOSEE", when)

    # Invoices ------------------------------------------------------------------

    def _set_status(self, invoice, status, when, comment=None):
        invoice.status, invoice.status_at = status, when
        invoice.comment = BUYER_COMMENTS.get(status, "") if comment is None else comment
        invoice.history.append((next(self._history_ids), status, when, invoice.comment))
        stops = status in STOPS or (
            status == "MANDATEE" and invoice.structure.payment_status_not_reported
        )
        if not stops:
            self._schedule(invoice, when + self.step)

    def _invoice_step(self, invoice, when):
        if invoice.status != "MISE_A_DISPOSITION":
            self._set_status(invoice, NEXT_STATUS[invoice.status], when)
            return
        commitments = invoice.structure.commitments
        if invoice.scenario:
            status, comment = invoice.scenario, None
            invoice.scenario = ""
        elif (
            invoice.commitment and commitments and invoice.commitment not in commitments
        ):
            status = "A_RECYCLER"
            comment = (
                f"Numéro d'engagement {invoice.commitment} inconnu du destinataire."
            )
        else:
            status, comment = "SERVICE_FAIT", None
        self._set_status(invoice, status, when, comment)

    def _invoice(self, account, cpp_id):
        invoice = self.invoices.get(cpp_id) if isinstance(cpp_id, int) else None
        if invoice is None or invoice.account != account:
            raise ApiError(UNKNOWN_OBJECT, f"Facture {cpp_id} inconnue.")
        return invoice

    def _structure(self, structure_id):
        try:
            structure_id = int(structure_id)
        except (TypeError, ValueError):
            raise ApiError(
                INVALID_REQUEST, "Identifiant de structure absent."
            ) from None
        for structure in self.structures:
            if structure.structure_id == structure_id:
                return structure
        raise ApiError(UNKNOWN_OBJECT, f"Structure {structure_id} inconnue.")

    # Operations: each takes the technical account and the request body and
    # returns the answer's fields besides codeRetour and libelle.

    def call(self, operation, account, request):
        """Run an operation by name, on the state as of now."""
        if operation == "deposit":  # validates the file outside the lock
            return self.deposit(account, request)
        with self.lock:
            self.tick()
            return getattr(self, operation)(account, request)

    def deposit(self, account, request):
        filename = request.get("nomFichier") or ""
        syntax = request.get("syntaxeFlux") or ""
        if not filename or len(filename) > 200:
            raise ApiError(INVALID_FLUX, "Le nom du fichier est absent ou trop long.")
        if syntax in OTHER_SYNTAXES:
            raise ApiError(UNKNOWN_SYNTAX, f"Syntaxe {syntax} non prise en charge ici.")
        if syntax not in INTERFACES:
            raise ApiError(UNKNOWN_SYNTAX, f"Syntaxe de flux inconnue : {syntax!r}.")
        try:
            content = base64.b64decode(request.get("fichierFlux") or "", validate=True)
        except (ValueError, TypeError):
            raise ApiError(
                INVALID_FLUX, "Le fichier n'est pas encodé en base64."
            ) from None
        if not content:
            raise ApiError(INVALID_FLUX, "Le fichier est vide.")
        if len(content) > MAX_FLUX_SIZE:
            raise ApiError(INVALID_FLUX, "GDP_MSG_11.022 : fichier trop volumineux.")
        documents, errors = analyse_flux(content, filename, syntax)
        with self.lock:
            self.tick()
            now = self.now()
            flux = Flux(
                number=f"CPP001111{next(self._flux_ids):016d}",
                account=account,
                filename=filename,
                syntax=syntax,
                deposited_at=now,
                state=WAITING,
                state_at=now,
                documents=documents,
                technical_errors=errors,
            )
            self.fluxes[flux.number] = flux
            self._deposited_numbers.update(d.number for d in documents)
            self._schedule(flux, now + self.step)
        return {
            "numeroFluxDepot": flux.number,
            "dateDepot": _day(now),
            "syntaxeFlux": syntax,
        }

    def report(self, account, request):
        flux = self.fluxes.get(request.get("numeroFluxDepot"))
        if flux is None or flux.account != account:
            raise ApiError(UNKNOWN_OBJECT, "Flux inconnu pour ce compte.")
        final = flux.state not in (WAITING, PROCESSING)
        return {
            "codeInterfaceDepotFlux": INTERFACES[flux.syntax],
            "dateDepotFlux": _iso(flux.deposited_at),
            "dateHeureEtatCourantFlux": _iso(flux.state_at),
            "etatCourantDepotFlux": flux.state,
            "nomFichier": flux.filename,
            "listeErreurDP": flux.invoice_errors if final else [],
            "listeErreurTechnique": flux.technical_errors if final else [],
        }

    def search_invoices(self, account, request):
        statuses = request.get("statutCourant") or ()
        found = [
            invoice
            for invoice in self.invoices.values()
            if invoice.account == account
            and request.get("numeroFluxDepot") in (None, "", invoice.flux_number)
            and request.get("numeroFacture") in (None, "", invoice.document.number)
            and (not statuses or invoice.status in statuses)
            and (request.get("periodeDateDepotDu") or "") <= _day(invoice.deposited_at)
            and _day(invoice.deposited_at)
            <= (request.get("periodeDateDepotAu") or "9999")
        ]
        page, paging = _page(found, request.get("rechercheFactureParFournisseur"))
        return {
            "listeFactures": [self._summary(i) for i in page],
            "parametresRetour": paging,
        }

    @staticmethod
    def _summary(invoice):
        document, structure = invoice.document, invoice.structure
        service = structure.service(invoice.service_code)
        return {
            "identifiantFactureCPP": invoice.cpp_id,
            "numeroFacture": document.number,
            "typeFacture": "AVOIR" if document.type_code == "381" else "FACTURE",
            "statut": invoice.status,
            "numeroFluxDepot": invoice.flux_number,
            "dateDepot": _day(invoice.deposited_at),
            "dateFacture": date(
                int(document.issue_date[:4]),
                int(document.issue_date[4:6]),
                int(document.issue_date[6:8]),
            ).isoformat(),
            "dateHeureEtatCourant": _iso(invoice.status_at),
            "commentaireEtatCourant": invoice.comment,
            "idDestinataire": structure.structure_id,
            "codeDestinataire": structure.siret,
            "designationDestinataire": structure.name,
            "idServiceExecutant": service.service_id if service else None,
            "codeServiceExecutant": invoice.service_code,
            "nomServiceExecutant": service.name if service else "",
            "codeFournisseur": document.supplier,
            "designationFournisseur": document.supplier_name,
            "numeroBonCommande": invoice.commitment,
            "numeroMarche": document.contract,
            "devise": document.currency,
            "montantHT": float(document.amount_untaxed),
            "montantTTC": float(document.amount_total),
            "montantAPayer": float(document.amount_due),
        }

    def history(self, account, request):
        invoice = self._invoice(account, request.get("idFacture"))
        events = [
            {
                "histoStatutId": event_id,
                "histoStatutCode": status,
                "histoStatutDatePassage": _minute(at),
                "histoStatutCommentaire": comment,
            }
            for event_id, status, at, comment in invoice.history
        ]
        page, paging = _page(
            events,
            request.get("paramRechercheHistoStatuts"),
            "nbResultatsParPageListeHistoStatut",
            "pageResultatDemandeeListeHistoStatut",
        )
        return {
            "idFacture": invoice.cpp_id,
            "numeroFacture": invoice.document.number,
            "statutCourantCode": invoice.status,
            "historiquesDesStatuts": {
                "histoStatut": page,
                "nbResultatsParPageHistoStatut": paging["nbResultatsParPage"],
                "pageCouranteHistoStatut": paging["pageCourante"],
                "pagesHistoStatut": paging["pages"],
                "totalHistoStatut": paging["total"],
            },
        }

    def add_file(self, account, request):
        name = request.get("pieceJointeNom") or ""
        if not name or len(name) > 50:
            raise ApiError(
                INVALID_REQUEST, "Le nom de la pièce jointe dépasse 50 caractères."
            )
        try:
            content = base64.b64decode(
                request.get("pieceJointeFichier") or "", validate=True
            )
        except (ValueError, TypeError):
            raise ApiError(
                INVALID_REQUEST, "La pièce jointe n'est pas en base64."
            ) from None
        if not content or len(content) > MAX_ATTACHMENT_SIZE:
            raise ApiError(
                INVALID_REQUEST, "La pièce jointe est vide ou dépasse 10 Mo."
            )
        attachment_id = next(self._attachment_ids)
        self.attachments[attachment_id] = (account, name)
        return {"pieceJointeId": attachment_id}

    def complete(self, account, request):
        invoice = self._invoice(account, request.get("identifiantFactureCPP"))
        if invoice.status != "SUSPENDUE":
            raise ApiError(
                WRONG_STATUS,
                f"La facture est au statut {invoice.status}, pas SUSPENDUE.",
            )
        documents = request.get("pieceJointeComplementaire") or []
        ids = [item.get("pieceJointeComplementaireId") for item in documents]
        if any(self.attachments.get(i, ("",))[0] != account for i in ids):
            raise ApiError(UNKNOWN_OBJECT, "Pièce jointe inconnue.")
        invoice.attachments += ids
        now = self.now()
        self._set_status(invoice, "COMPLETEE", now, request.get("commentaire") or "")
        return {
            "identifiantFactureCPP": invoice.cpp_id,
            "numeroFacture": invoice.document.number,
            "dateTraitement": _day(now),
        }

    def recycle(self, account, request):
        invoice = self._invoice(account, request.get("identifiantFactureCPP"))
        if invoice.status != "A_RECYCLER":
            raise ApiError(
                WRONG_STATUS,
                f"La facture est au statut {invoice.status}, pas A_RECYCLER.",
            )
        recipient = request.get("destinataire") or {}
        siret = recipient.get("codeDestinataire") or ""
        structure = next((s for s in self.structures if s.siret == siret), None)
        if structure is None:
            raise ApiError(
                UNKNOWN_OBJECT, f"Le destinataire {siret} est inconnu de Chorus Pro."
            )
        service_code = recipient.get("codeServiceExecutant") or ""
        commitment = (request.get("reference") or {}).get("numeroBonCommande") or ""
        problems = routing_problems(structure, service_code, commitment)
        if problems:
            raise ApiError(INVALID_REQUEST, " ".join(problems))
        invoice.structure, invoice.service_code, invoice.commitment = (
            structure,
            service_code,
            commitment,
        )
        now = self.now()
        self._set_status(
            invoice, "EN_COURS_ACHEMINEMENT", now, request.get("commentaire") or ""
        )
        return {
            "identifiantFactureCPP": invoice.cpp_id,
            "numeroFacture": invoice.document.number,
            "dateDepot": _day(invoice.deposited_at),
            "statutFacture": invoice.status,
        }

    def search_structures(self, account, request):
        criteria = request.get("structure") or {}
        identifier = criteria.get("identifiantStructure")
        name = (criteria.get("raisonSocialeStructure") or "").lower()
        found = [
            s
            for s in self.structures
            if identifier in (None, "", s.siret) and name in s.name.lower()
        ]
        page, paging = _page(found, request.get("parametres"))
        return {
            "listeStructures": [
                {
                    "idStructureCPP": s.structure_id,
                    "identifiantStructure": s.siret,
                    "designationStructure": s.name,
                    "typeIdentifiantStructure": "SIRET",
                    "statut": "ACTIF",
                }
                for s in page
            ],
            "parametresRetour": paging,
        }

    def structure(self, account, request):
        if "idStructureCPP" not in request:
            raise ApiError(INVALID_REQUEST, "Le champ idStructureCPP est obligatoire.")
        structure = self._structure(request["idStructureCPP"])
        return {
            "idStructureCPP": structure.structure_id,
            "informationGenerales": {
                "identifiantStructure": structure.siret,
                "typeIdentifiantStructure": "SIRET",
                "raisonSociale": structure.name,
                "structurePriveePublique": "PUBLIQUE",
            },
            "parametres": {
                "codeServiceDoitEtreRenseigne": structure.service_required,
                "numeroEJDoitEtreRenseigne": structure.commitment_required,
                "gestionNumeroEJOuCodeService": structure.service_or_commitment,
                "statutMiseEnPaiementNestPasRemonte": (
                    structure.payment_status_not_reported
                ),
                "connexionEDI": False,
            },
        }

    def search_services(self, account, request):
        structure = self._structure(request.get("idStructure"))
        page, paging = _page(
            structure.services, request.get("parametresRechercherServicesStructure")
        )
        return {
            "listeServices": [
                {
                    "idService": s.service_id,
                    "codeService": s.code,
                    "libelleService": s.name,
                    "estActif": s.active,
                    "statutService": "ACTIF" if s.active else "INACTIF",
                }
                for s in page
            ],
            "parametresRetour": paging,
        }

    def service(self, account, request):
        structure = self._structure(request.get("idStructure"))
        service_id = request.get("idService")
        service = next(
            (s for s in structure.services if str(s.service_id) == str(service_id)),
            None,
        )
        if service is None:
            raise ApiError(UNKNOWN_OBJECT, f"Service {service_id} inconnu.")
        return {
            "informationsGenerales": {
                "codeService": service.code,
                "nomService": service.name,
                "descriptionService": service.name,
            },
            "parametres": {
                "numeroEngagement": service.commitment_required,
                "miseEnPaiement": not structure.payment_status_not_reported,
            },
        }

    def search_commitments(self, account, request):
        structure = self._structure(
            request.get("structureReceptriceEngagementJuridique")
        )
        number = request.get("numeroEngagementJuridique")
        state = request.get("etatCourantEngagementJuridique")
        found = sorted(
            c
            for c in structure.commitments
            if number in (None, "", c) and state in (None, "", "COMMANDE")
        )
        page, paging = _page(found, request.get("parametres"))
        return {
            "listeEngagementJuridique": [
                {
                    "numeroEngagementJuridique": c,
                    "etatCourantEngagementJuridique": "COMMANDE",
                    "structureReceptriceEngagementJuridique": str(
                        structure.structure_id
                    ),
                }
                for c in page
            ],
            "parametresRetour": paging,
        }

    # For tests -------------------------------------------------------------------

    def snapshot(self):
        """The deposits and invoices, and how often each invoice number came."""
        with self.lock:
            self.tick()
            invoices_per_number = Counter(
                i.document.number for i in self.invoices.values()
            )
            return {
                "now": _iso(self.now()),
                "deposits": [
                    {
                        "number": f.number,
                        "account": f.account,
                        "filename": f.filename,
                        "syntax": f.syntax,
                        "state": f.state,
                        "deposited_at": _iso(f.deposited_at),
                        "invoice_numbers": [d.number for d in f.documents],
                        "invoice_errors": list(f.invoice_errors),
                        "technical_errors": list(f.technical_errors),
                    }
                    for f in self.fluxes.values()
                ],
                "invoices": [
                    {
                        "cpp_id": i.cpp_id,
                        "number": i.document.number,
                        "supplier": i.document.supplier,
                        "buyer_siret": i.structure.siret,
                        "service_code": i.service_code,
                        "commitment_number": i.commitment,
                        "status": i.status,
                        "deposit_number": i.flux_number,
                        "attachments": len(i.attachments),
                    }
                    for i in self.invoices.values()
                ],
                "deposits_per_invoice_number": dict(self._deposited_numbers),
                "invoices_per_number": dict(invoices_per_number),
            }


def routing_problems(structure, service_code, commitment):
    """Why a buyer's rules refuse this service code and commitment number."""
    problems = []
    service = None
    if service_code == PUBLIC_INVOICES_SERVICE:
        problems.append(
            f"Le service {PUBLIC_INVOICES_SERVICE} est réservé aux factures "
            "entre entités publiques."
        )
    elif service_code:
        service = structure.service(service_code)
        if service is None or not service.active:
            problems.append(
                f"Le code service {service_code} n'existe pas ou n'est pas actif "
                f"pour le destinataire {structure.siret}."
            )
    if structure.service_or_commitment:
        if not service_code and not commitment:
            problems.append(
                "Le code service ou le numéro d'engagement doit être renseigné "
                "pour ce destinataire."
            )
    else:
        if structure.service_required and not service_code:
            problems.append("Le code service doit être renseigné pour ce destinataire.")
        if structure.commitment_required and not commitment:
            problems.append(
                "Le numéro d'engagement doit être renseigné pour ce destinataire."
            )
    if service and service.commitment_required and not commitment:
        problems.append(
            "Le numéro d'engagement doit être renseigné pour le service "
            f"{service.code}."
        )
    if len(commitment) > 50:
        problems.append("Le numéro d'engagement dépasse 50 caractères.")
    return problems
