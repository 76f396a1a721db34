# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the local PA does behind its Flow Service API (see :mod:`.simulator`).

A submitted flow is checked at once (``sha256`` against the file, then the
file itself: a Factur-X PDF's embedded CII through our validator, a CII
likewise, a UBL against the UBL 2.1 XSD, the EN 16931 rules and, unless
the flow goes abroad, the French rules, a CDAR against the D22B XSD and the
FNFE schematron; a DTD is refused) and answered 202; its
acknowledgement stays ``Pending`` for one step of the virtual clock, then
turns ``Ok``, or ``Error`` with the findings as details. Like a real
platform (as far as anyone knows), it does not refuse a ``trackingId`` or
an invoice number it already has.

Then each accepted customer invoice gets lifecycle statuses, one step
apart, each as an inbound flow (``CustomerInvoiceLC``, direction ``In``,
syntax ``CDAR``): 200 Déposée with the acknowledgement, 202 Reçue, 203 Mise
à disposition, then what the buyer does, chosen by a marker in a note or a
line name of the invoice:

- none: 204 Prise en charge, 205 Approuvée, 211 Paiement transmis (with the
  amount due and the payment date);
- ``#LITIGE``: 204, then 207 En litige (reason ``QTE_ERR``);
- ``#SUSPENDUE``: 204, then 208 Suspendue (reason ``JUSTIF_ABS``) until the
  seller submits a 209 Complétée; then 205 and 211;
- ``#REFUSEE``: 204, then 210 Refusée (reason ``NON_CONFORME``);
- ``#REJETEE``: 213 Rejetée (reason ``REJ_SEMAN``) right after 200.

International flows (``B2BInt``, ``B2GInt``: delivered abroad, over Peppol
for instance) get 200, 202 and 203 only: a foreign buyer sends no French
statuses. Statuses the seller submits (a CDAR whose statuses are all sent
by the seller: 209, 212, 220...) are recorded against its invoices.

Error codes (``errorCode``) and acknowledgement reason codes are this
simulator's own choice: the standard's catalogue is not public.
"""

import hashlib
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from ..facturx.cii import NS as CII_NS
from ..facturx.parse import parse_cii
from ..facturx.pdf import PdfError, extract_xml
from ..facturx.validation import validate_xml
from ..simulation import VirtualClock
from ..ubl import DOCUMENTS as UBL_ROOTS
from ..ubl import validate_ubl
from .cdar import (
    BUYER,
    PLATFORM,
    ROOT_TAG,
    SELLER,
    CdarError,
    LifecycleStatus,
    StatusReason,
    build_cdar,
    parse_cdar,
    validate_cdar,
)
from .client import (
    ACK_STATUSES,
    DIRECTIONS,
    FLOW_TYPES,
    PROCESSING_RULES,
    SYNTAXES,
    format_time,
    parse_time,
)

MAX_FILE_SIZE = 50 * 1024 * 1024
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
INTERNATIONAL = ("B2BInt", "B2GInt")
MARKERS = ("REJETEE", "REFUSEE", "LITIGE", "SUSPENDUE")  # by precedence
# What the buyer does after 204, for each marker; then the plan goes on.
BUYER_PATHS = {
    "LITIGE": (207,),
    "SUSPENDUE": (208,),
    "REFUSEE": (210,),
    "": (205, 211),
}
AFTER_COMPLETION = (205, 211)
REASONS = {
    207: StatusReason(
        "QTE_ERR", "Quantité livrée inférieure à la quantité facturée.", "CNP"
    ),
    208: StatusReason("JUSTIF_ABS", "Bon de livraison signé manquant.", "PIN"),
    210: StatusReason("NON_CONFORME", "Prestation non conforme à la commande.", "NOA"),
    213: StatusReason(
        "REJ_SEMAN", "Facture rejetée par la plateforme du client.", "NIN"
    ),
}
# The flow type a syntax implies, and the lifecycle flows a party may submit
# (with the role the statuses must be sent by).
INVOICE_SYNTAXES = ("Factur-X", "CII", "UBL")
LIFECYCLE_TYPES = {"CustomerInvoiceLC": SELLER, "SupplierInvoiceLC": BUYER}
UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII_ROOT = (
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class ApiError(Exception):
    """A refusal the API answers at once, with an HTTP status."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Document:
    """What the platform read from an invoice."""

    number: str
    type_code: str
    issue_date: date | None
    currency: str
    seller_siren: str
    buyer_siren: str
    amount_due: Decimal
    marker: str


@dataclass
class FlowRecord:
    flow_id: str
    owner: str  # the OAuth2 client that submitted it, or receives it
    tracking_id: str | None
    name: str
    flow_type: str
    direction: str
    syntax: str
    processing_rule: str
    sha256: str
    content: bytes = field(repr=False)
    submitted_at: datetime
    updated_at: datetime
    ack_status: str = "Pending"
    ack_details: list = field(default_factory=list)
    # The acknowledgement's details, known on arrival, shown when it is due.
    findings: list = field(default_factory=list)
    document: Document | None = None
    statuses: list = field(default_factory=list)  # of LifecycleStatus (CDAR)
    invoice_xml: bytes | None = field(default=None, repr=False)

    def metadata(self):
        return {
            "flowId": self.flow_id,
            "trackingId": self.tracking_id,
            "name": self.name,
            "flowType": self.flow_type,
            "flowDirection": self.direction,
            "flowSyntax": self.syntax,
            "processingRule": self.processing_rule,
            "sha256": self.sha256,
            "submittedAt": format_time(self.submitted_at),
            "updatedAt": format_time(self.updated_at),
            "acknowledgement": {
                "status": self.ack_status,
                "details": list(self.ack_details),
            },
        }


@dataclass
class InvoiceTrack:
    """The lifecycle the platform plays for one accepted invoice flow."""

    flow: FlowRecord
    plan: list  # status codes still to come
    emitted: list = field(default_factory=list)  # codes, in order
    from_seller: list = field(default_factory=list)  # codes the seller sent
    waiting: bool = False  # suspended until the seller completes


def _detail(item, reason_code, message, level="Error"):
    return {
        "item": item,
        "level": level,
        "reasonCode": reason_code,
        "reasonMessage": message,
    }


def _finding_details(findings):
    return [
        _detail(
            finding.rule_id,
            "IRR_SYNTAX" if finding.source in ("xml", "xsd") else "REJ_SEMAN",
            finding.message,
        )
        for finding in findings
        if finding.blocking
    ]


def _text(node, path, namespaces):
    return node.xpath(f"string({path})", namespaces=namespaces).strip()


def _day(text):
    digits = text.replace("-", "")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _marker(texts):
    return next((m for m in MARKERS if any(f"#{m}" in t for t in texts)), "")


def read_cii(xml):
    parsed = parse_cii(xml)
    root = etree.fromstring(xml, _PARSER)
    texts = root.xpath(
        "rsm:ExchangedDocument/ram:IncludedNote/ram:Content/text()"
        " | //ram:SpecifiedTradeProduct/ram:Name/text()",
        namespaces=CII_NS,
    )
    return Document(
        number=parsed.number,
        type_code=parsed.type_code,
        issue_date=_day(parsed.issue_date),
        currency=parsed.currency,
        seller_siren=parsed.seller.siren,
        buyer_siren=parsed.buyer.siren,
        amount_due=parsed.due,
        marker=_marker(texts),
    )


def read_ubl(root):
    credit_note = root.tag.endswith("}CreditNote")
    party = "cac:Party/cac:PartyLegalEntity/cbc:CompanyID[@schemeID='0002']"
    texts = root.xpath(
        "cbc:Note/text() | //cac:Item/cbc:Name/text()", namespaces=UBL_NS
    )
    return Document(
        number=_text(root, "cbc:ID", UBL_NS),
        type_code=_text(
            root,
            "cbc:CreditNoteTypeCode" if credit_note else "cbc:InvoiceTypeCode",
            UBL_NS,
        ),
        issue_date=_day(_text(root, "cbc:IssueDate", UBL_NS)),
        currency=_text(root, "cbc:DocumentCurrencyCode", UBL_NS),
        seller_siren=_text(root, f"cac:AccountingSupplierParty/{party}", UBL_NS),
        buyer_siren=_text(root, f"cac:AccountingCustomerParty/{party}", UBL_NS),
        amount_due=Decimal(
            _text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", UBL_NS) or 0
        ),
        marker=_marker(texts),
    )


def analyse(record):
    """Check a submitted file and read it; fills ``findings`` and the rest.

    Runs outside the platform's lock: Saxon takes a few dozen milliseconds.
    """
    content, syntax = record.content, record.syntax
    if not content:
        record.findings = [_detail(record.name, "IRR_VIDE_F", "Le fichier est vide.")]
        return
    if syntax == "Factur-X":
        try:
            xml = extract_xml(content) if content.startswith(b"%PDF-") else None
        except PdfError:
            xml = None
        if xml is None:
            record.findings = [
                _detail(
                    record.name,
                    "IRR_TYPE_F",
                    "Pas un PDF Factur-X : factur-x.xml absent ou PDF illisible.",
                )
            ]
            return
        content = xml
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as error:
        record.findings = [
            _detail(record.name, "IRR_SYNTAX", f"XML illisible : {error}")
        ]
        return
    if root.getroottree().docinfo.doctype:
        # Saxon would read the entities of a DTD, files and URLs included.
        record.findings = [
            _detail(record.name, "IRR_SYNTAX", "Une DTD (<!DOCTYPE>) est interdite.")
        ]
        return
    if syntax in ("Factur-X", "CII"):
        _analyse_cii(record, content, root)
    elif syntax == "UBL":
        _analyse_ubl(record, root)
    elif syntax == "CDAR":
        _analyse_cdar(record, root)
    else:
        record.findings = [
            _detail(
                record.name, "IRR_TYPE_F", f"La syntaxe {syntax} n'est pas simulée."
            )
        ]


def _wrong_root(record, root, *expected):
    if root.tag in expected:
        return False
    record.findings = [
        _detail(
            record.name,
            "IRR_TYPE_F",
            f"Le fichier n'est pas en syntaxe {record.syntax} (racine {root.tag}).",
        )
    ]
    return True


def _analyse_cii(record, xml, root):
    if _wrong_root(record, root, CII_ROOT):
        return
    report = validate_xml(xml)
    record.findings = _finding_details(report.findings)
    if not record.findings:
        record.document = read_cii(xml)
        record.invoice_xml = xml


def _analyse_ubl(record, root):
    if _wrong_root(record, root, *UBL_ROOTS):
        return
    french = record.processing_rule not in INTERNATIONAL
    report = validate_ubl(record.content, french_rules=french)
    record.findings = _finding_details(report.findings)
    if record.findings:
        return
    document = read_ubl(root)
    if not (len(document.seller_siren) == 9 and document.seller_siren.isdigit()):
        record.findings = [
            _detail(
                "BR-FR-10",
                "REJ_SEMAN",
                "Le SIREN du vendeur (schéma 0002) est obligatoire.",
            )
        ]
        return
    record.document, record.invoice_xml = document, record.content


def _analyse_cdar(record, root):
    if _wrong_root(record, root, ROOT_TAG):
        return
    record.findings = _finding_details(validate_cdar(record.content).findings)
    if record.findings:
        return
    try:
        record.statuses = parse_cdar(record.content)
    except CdarError as error:
        record.findings = [_detail(record.name, "IRR_SYNTAX", error.message)]
        return
    role = LIFECYCLE_TYPES[record.flow_type]
    strangers = sorted(
        {s.sender_role for s in record.statuses if s.sender_role != role}
    )
    if strangers:
        record.findings = [
            _detail(
                "MDT-21",
                "REJ_COH",
                f"Un flux {record.flow_type} porte des statuts émis par {role}, "
                f"pas par {', '.join(strangers)}.",
            )
        ]


class Platform(VirtualClock):
    """The state of the local PA, on its virtual clock, and its operations.

    :param step_seconds: virtual seconds between two events of a flow.
    :param speed: virtual seconds per real second (0: the clock only moves
        when :meth:`advance` is called).
    :param seed: of the flow and webhook ids.
    """

    def __init__(self, *, step_seconds=60, speed=0.0, start=None, seed=0):
        super().__init__(step_seconds=step_seconds, speed=speed, start=start)
        self._random = random.Random(seed)
        self.flows = {}  # flow id -> FlowRecord, in creation order
        self.tracks = {}  # invoice flow id -> InvoiceTrack
        self.webhooks = {}  # webhook id -> dict
        self.on_change = None  # called with each new or updated FlowRecord

    # Clock -------------------------------------------------------------------

    def _schedule(self, when, action, key):
        """Plan an ``ack`` of flow ``key`` or the next ``status`` of track ``key``."""
        self._add_event(when, (action, key))

    def tick(self):
        """Play every event due by now, in time order."""
        with self.lock:
            for when, (action, key) in self._due_events():
                if action == "ack":
                    self._acknowledge(self.flows[key], when)
                else:
                    self._next_status(self.tracks[key], when)

    def _new_id(self):
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _changed(self, record):
        if self.on_change is not None:
            self.on_change(record)

    # Submission --------------------------------------------------------------

    def submit(self, owner, info, filename, content):
        """Record a flow from ``flowInfo`` and the file; the 202 answer's body."""
        syntax = info.get("flowSyntax")
        rule = info.get("processingRule")
        name = info.get("name") or filename
        if syntax not in SYNTAXES:
            raise ApiError(
                400, "INVALID_FLOW_SYNTAX", f"flowSyntax inconnue : {syntax!r}."
            )
        if rule not in PROCESSING_RULES:
            raise ApiError(
                400, "INVALID_PROCESSING_RULE", f"processingRule inconnue : {rule!r}."
            )
        if not name or len(name) > 255:
            raise ApiError(
                400, "INVALID_NAME", "Le nom du flux est absent ou trop long."
            )
        allowed = tuple(LIFECYCLE_TYPES) if syntax == "CDAR" else ("CustomerInvoice",)
        flow_type = info.get("flowType") or allowed[0]
        if flow_type not in allowed:
            raise ApiError(
                400,
                "INVALID_FLOW_TYPE",
                f"Le type de flux {flow_type!r} ne va pas avec la syntaxe {syntax}.",
            )
        if len(content) > MAX_FILE_SIZE:
            raise ApiError(413, "FILE_TOO_LARGE", "Le fichier dépasse 50 Mo.")
        digest = hashlib.sha256(content).hexdigest()
        if info.get("sha256") and str(info["sha256"]).lower() != digest:
            raise ApiError(
                400, "SHA256_MISMATCH", "Le sha256 ne correspond pas au fichier reçu."
            )
        tracking_id = info.get("trackingId")
        if tracking_id is not None and (
            not isinstance(tracking_id, str) or len(tracking_id) > 255
        ):
            raise ApiError(400, "INVALID_TRACKING_ID", "trackingId invalide.")
        record = FlowRecord(
            flow_id="",
            owner=owner,
            tracking_id=tracking_id,
            name=name,
            flow_type=flow_type,
            direction="Out",
            syntax=syntax,
            processing_rule=rule,
            sha256=digest,
            content=content,
            submitted_at=self.now(),
            updated_at=self.now(),
        )
        analyse(record)
        with self.lock:
            self.tick()
            now = self.now()
            record.flow_id = self._new_id()
            record.submitted_at = record.updated_at = now
            self.flows[record.flow_id] = record
            self._schedule(now + self.step, "ack", record.flow_id)
            self._changed(record)
            return record.metadata()

    def _acknowledge(self, record, when):
        record.updated_at = when
        if record.findings:
            record.ack_status, record.ack_details = "Error", record.findings
            self._changed(record)
            return
        record.ack_status = "Ok"
        self._changed(record)
        if record.document is not None:
            self._track(record, when)
        for status in record.statuses:
            self._from_seller(record.owner, status, when)

    # Lifecycle ---------------------------------------------------------------

    def _track(self, record, when):
        document = record.document
        if document.marker == "REJETEE":
            plan = [213]
        elif record.processing_rule in INTERNATIONAL or not document.buyer_siren:
            plan = [202, 203]
        else:
            plan = [202, 203, 204, *BUYER_PATHS.get(document.marker, BUYER_PATHS[""])]
        track = InvoiceTrack(record, [200, *plan])
        self.tracks[record.flow_id] = track
        self._next_status(track, when)

    def _next_status(self, track, when):
        code = track.plan.pop(0)
        document = track.flow.document
        paid = code == 211
        status = LifecycleStatus(
            message_id="",
            issued_at=when,
            invoice_number=document.number,
            invoice_date=document.issue_date,
            invoice_type_code=document.type_code,
            seller_siren=document.seller_siren,
            buyer_siren=document.buyer_siren,
            status_code=code,
            reasons=(REASONS[code],) if code in REASONS else (),
            amount=document.amount_due if paid else None,
            currency=document.currency if paid else "",
            payment_date=when.date() if paid else None,
            sender_role=PLATFORM if code in (200, 202, 203, 213) else BUYER,
        )
        record = FlowRecord(
            flow_id=self._new_id(),
            owner=track.flow.owner,
            tracking_id=None,
            name=f"CDAR_{code}_{document.number}.xml",
            flow_type="CustomerInvoiceLC",
            direction="In",
            syntax="CDAR",
            processing_rule=track.flow.processing_rule,
            sha256="",
            content=build_cdar(status),
            submitted_at=when,
            updated_at=when,
            ack_status="Ok",
            statuses=[status],
        )
        record.sha256 = hashlib.sha256(record.content).hexdigest()
        self.flows[record.flow_id] = record
        track.emitted.append(code)
        track.waiting = code == 208
        if track.plan and not track.waiting:
            self._schedule(when + self.step, "status", track.flow.flow_id)
        self._changed(record)

    def _from_seller(self, owner, status, when):
        """A status the seller submitted: recorded on its invoice, if known."""
        track = next(
            (
                t
                for t in reversed(self.tracks.values())
                if t.flow.owner == owner
                and t.flow.document.number == status.invoice_number
                and t.flow.document.seller_siren == status.seller_siren
            ),
            None,
        )
        if track is None:
            return
        track.from_seller.append(status.status_code)
        if status.status_code == 209 and track.waiting:
            track.waiting = False
            track.plan = list(AFTER_COMPLETION)
            self._schedule(when + self.step, "status", track.flow.flow_id)

    # Reading -----------------------------------------------------------------

    def search(self, owner, request):
        where = request.get("where") or {}
        if not isinstance(where, dict):
            raise ApiError(400, "INVALID_REQUEST", "where doit être un objet.")
        unknown = set(where) - {
            "trackingId",
            "updatedAfter",
            "flowType",
            "flowDirection",
            "ackStatus",
        }
        if unknown:
            raise ApiError(
                400,
                "INVALID_REQUEST",
                f"Critères non pris en charge : {', '.join(sorted(unknown))}.",
            )
        try:
            offset = int(request.get("offset") or 0)
            limit = int(request.get("limit") or DEFAULT_PAGE_SIZE)
        except (TypeError, ValueError):
            raise ApiError(
                400, "INVALID_REQUEST", "offset et limit sont des entiers."
            ) from None
        if offset < 0 or limit < 1:
            raise ApiError(400, "INVALID_REQUEST", "offset ≥ 0 et limit ≥ 1.")
        limit = min(limit, MAX_PAGE_SIZE)
        after = None
        if where.get("updatedAfter") is not None:
            after = parse_time(where["updatedAfter"])
            if after is None:
                raise ApiError(
                    400, "INVALID_REQUEST", "updatedAfter n'est pas une date ISO 8601."
                )
        filters = {
            "flow_type": self._one_of(where.get("flowType"), FLOW_TYPES, "flowType"),
            "direction": self._one_of(
                where.get("flowDirection"), DIRECTIONS, "flowDirection"
            ),
            "ack_status": self._one_of(
                where.get("ackStatus"), ACK_STATUSES, "ackStatus"
            ),
        }
        with self.lock:
            self.tick()
            found = [
                record.metadata()
                for record in self.flows.values()
                if record.owner == owner
                and where.get("trackingId") in (None, record.tracking_id)
                and (after is None or record.updated_at > after)
                and all(
                    values is None or getattr(record, name) in values
                    for name, values in filters.items()
                )
            ]
        return {
            "results": found[offset : offset + limit],
            "offset": offset,
            "limit": limit,
            "total": len(found),
        }

    @staticmethod
    def _one_of(value, allowed, name):
        if value is None:
            return None
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or any(v not in allowed for v in values):
            raise ApiError(400, "INVALID_REQUEST", f"Valeur de {name} inconnue.")
        return set(values)

    def flow(self, owner, flow_id):
        with self.lock:
            self.tick()
            record = self.flows.get(flow_id)
            if record is None or record.owner != owner:
                raise ApiError(404, "FLOW_NOT_FOUND", f"Flux {flow_id} inconnu.")
            return record

    # Webhooks ----------------------------------------------------------------

    def register_webhook(self, owner, request):
        url = request.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ApiError(400, "INVALID_URL", "url doit être une adresse http(s).")
        if not request.get("secret"):
            raise ApiError(400, "MISSING_SECRET", "secret est obligatoire.")
        flow_types = request.get("flowTypes")
        if flow_types is not None:
            flow_types = sorted(self._one_of(flow_types, FLOW_TYPES, "flowTypes"))
        with self.lock:
            webhook = {
                "webhookId": self._new_id(),
                "owner": owner,
                "url": url,
                "secret": str(request["secret"]),
                "flowTypes": flow_types,
                "createdAt": format_time(self.now()),
            }
            self.webhooks[webhook["webhookId"]] = webhook
        return self.public_webhook(webhook)

    @staticmethod
    def public_webhook(webhook):
        """A subscription as the API shows it: never its secret."""
        return {k: webhook[k] for k in ("webhookId", "url", "flowTypes", "createdAt")}

    def list_webhooks(self, owner):
        with self.lock:
            return [
                self.public_webhook(w)
                for w in self.webhooks.values()
                if w["owner"] == owner
            ]

    def delete_webhook(self, owner, webhook_id):
        with self.lock:
            webhook = self.webhooks.get(webhook_id)
            if webhook is None or webhook["owner"] != owner:
                raise ApiError(
                    404, "WEBHOOK_NOT_FOUND", f"Abonnement {webhook_id} inconnu."
                )
            del self.webhooks[webhook_id]

    def subscribers(self, record):
        """The subscriptions to notify of a change of ``record``."""
        return [
            w
            for w in self.webhooks.values()
            if w["owner"] == record.owner
            and (w["flowTypes"] is None or record.flow_type in w["flowTypes"])
        ]

    # For tests ---------------------------------------------------------------

    def snapshot(self):
        """The flows, and how many flows each tracking id and invoice got."""
        with self.lock:
            self.tick()
            numbers = Counter(
                r.document.number
                for r in self.flows.values()
                if r.direction == "Out" and r.document is not None
            )
            return {
                "now": format_time(self.now()),
                "flows": [self._summary(r) for r in self.flows.values()],
                "flows_per_tracking_id": dict(
                    Counter(r.tracking_id for r in self.flows.values() if r.tracking_id)
                ),
                "flows_per_invoice_number": dict(numbers),
                "statuses": {
                    t.flow.document.number: list(t.emitted)
                    for t in self.tracks.values()
                },
                "seller_statuses": {
                    t.flow.document.number: list(t.from_seller)
                    for t in self.tracks.values()
                    if t.from_seller
                },
                "webhooks": [self.public_webhook(w) for w in self.webhooks.values()],
            }

    @staticmethod
    def _summary(record):
        summary = record.metadata()
        summary["owner"] = record.owner
        summary["invoiceNumber"] = (
            record.document.number
            if record.document
            else ", ".join(s.invoice_number for s in record.statuses)
        )
        summary["statusCodes"] = [s.status_code for s in record.statuses]
        return summary
