# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The approved-platform client against the local PA, over real HTTP."""

import hashlib
import heapq
import json
import queue
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from ..errors import OutcomeUnknownError, PermanentError, TransientError
from ..facturx.cii import build_cii
from ..facturx.document import Note, Profile
from ..facturx.pdf import build_facturx_pdf
from ..pa.cdar import (
    StatusReason,
    build_cdar,
    parse_cdar,
    split_payment,
)
from ..pa.client import Flow, PlatformClient
from ..pa.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Simulator,
    parse_multipart,
)
from ..pa.webhook import sign_webhook, verify_webhook
from .common import (
    SEND_ERRORS,
    FailingSession,
    answers,
    assert_no_secret_in,
    calls,
    lifecycle_status,
    start_command,
    unused_port,
    wait_for,
)
from .test_chorus_pro import BLANK_PDF
from .test_facturx import NOTES, invoice, line

UBL = (Path(__file__).resolve().parent / "data" / "pa" / "ubl-invoice.xml").read_text()
TOKEN = "/oauth2/token"
FLOWS = "/v1/flows"
SEARCH = "/v1/flows/search"
FLOW = "/v1/flows/{flowId}"
STEP = 60


def facturx(number="FA-2026-0042", note="", **values):
    """A Factur-X PDF to a French company, with a marker in a note if given."""
    values.setdefault("notes", NOTES + ((Note(note, "AAI"),) if note else ()))
    document = invoice(number=number, payment_reference=number, **values)
    return build_facturx_pdf(BLANK_PDF, build_cii(document), Profile.EN16931)


def ubl(number="INV-2026-0007", note="Livraison intracommunautaire"):
    """A UBL invoice to a Belgian company (no VAT: intra-community supply)."""
    return UBL.format(number=number, note=note, net="250.00", price="125.00").encode()


@pytest.fixture
def simulator():
    with Simulator() as running:
        yield running


def make_client(simulator, **values):
    arguments = {
        "token_url": simulator.token_url,
        "api_url": simulator.url,
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        "timeout": 5,
    }
    arguments.update(values)
    return PlatformClient(**arguments)


@pytest.fixture
def client(simulator):
    return make_client(simulator)


def submit(client, content=None, *, tracking_id="TX-1", name=None, **values):
    values.setdefault("syntax", "Factur-X")
    values.setdefault("processing_rule", "B2B")
    content = facturx() if content is None else content
    name = name or f"{tracking_id}.pdf"
    return client.submit_flow(name, content, tracking_id=tracking_id, **values)


def assert_no_secret(error, client):
    assert_no_secret_in(error, DEFAULT_CLIENT_SECRET, client._token)


def lifecycle(client):
    """The statuses delivered as inbound flows, oldest first."""
    flows = client.search_flows(flow_type="CustomerInvoiceLC", direction="In")
    statuses = []
    for flow in flows:
        assert (flow.syntax, flow.ack_status) == ("CDAR", "Ok")
        statuses += parse_cdar(client.flow_document(flow.flow_id))
    return statuses


# Authentication ---------------------------------------------------------------


def test_token_is_cached_across_calls(simulator, client):
    for _attempt in range(3):
        client.search_flows()
    assert calls(simulator, TOKEN) == 1


def test_forced_expiry_is_renewed_once(simulator, client):
    client.search_flows()
    assert simulator.expire_tokens() == 1
    for _attempt in range(3):
        client.search_flows()
    assert calls(simulator, TOKEN) == 2
    assert answers(simulator, SEARCH, 401) == 1
    assert answers(simulator, SEARCH, 200) == 4


def test_token_expiring_on_the_platform_clock_is_renewed_before_a_submission(
    simulator, client
):
    client.search_flows()
    simulator.advance(3600)
    submit(client)
    assert calls(simulator, TOKEN) == 2
    assert answers(simulator, FLOWS, 401) == 1
    assert simulator.state()["flows_per_tracking_id"] == {"TX-1": 1}


def test_token_is_renewed_a_margin_before_it_expires():
    with Simulator(token_lifetime=2) as simulator:
        client = make_client(simulator)
        client.search_flows()
        time.sleep(1.1)  # the margin is half of so short a lifetime
        client.search_flows()
        assert calls(simulator, TOKEN) == 2
        assert answers(simulator, SEARCH, 401) == 0


def test_wrong_client_secret_is_permanent(simulator):
    client = make_client(simulator, client_secret="not-the-secret")
    with pytest.raises(PermanentError, match="client id and secret") as caught:
        client.search_flows()
    assert caught.value.code == "invalid_client"
    assert "not-the-secret" not in str(caught.value)
    assert_no_secret(caught.value, client)
    with pytest.raises(PermanentError):
        client.health_check()


def test_accounts_see_only_their_own_flows():
    clients = {DEFAULT_CLIENT_ID: DEFAULT_CLIENT_SECRET, "other": "other-secret"}
    with Simulator(clients=clients) as simulator:
        mine = make_client(simulator)
        other = make_client(simulator, client_id="other", client_secret="other-secret")
        sent = submit(mine, b"garbage")
        assert other.search_flows() == []
        with pytest.raises(PermanentError) as caught:
            other.get_flow(sent.flow_id)
        assert caught.value.code == "FLOW_NOT_FOUND"


# Submission ------------------------------------------------------------------


def test_submitted_invoice_is_acknowledged_ok(simulator, client):
    content = facturx()
    sent = submit(client, content, tracking_id="TX-42", name="FA-2026-0042.pdf")
    assert sent.submitted_at == simulator.now()
    flow = client.get_flow(sent.flow_id)
    assert isinstance(flow, Flow)
    assert (flow.ack_status, flow.ack_details) == ("Pending", ())
    assert (flow.tracking_id, flow.name, flow.flow_type, flow.direction) == (
        "TX-42",
        "FA-2026-0042.pdf",
        "CustomerInvoice",
        "Out",
    )
    assert (flow.syntax, flow.processing_rule) == ("Factur-X", "B2B")
    assert flow.sha256 == hashlib.sha256(content).hexdigest()
    simulator.advance()
    flow = client.get_flow(sent.flow_id)
    assert (flow.ack_status, flow.ack_details) == ("Ok", ())
    assert flow.updated_at - flow.submitted_at == timedelta(seconds=STEP)
    assert flow.updated_at.utcoffset() == timedelta(0)
    assert client.flow_document(sent.flow_id) == content
    converted = client.flow_document(sent.flow_id, "Converted")
    assert converted.startswith(b"<?xml") and b"FA-2026-0042" in converted
    assert client.flow_document(sent.flow_id, "ReadableView") == content


def test_invalid_invoice_is_acknowledged_with_errors(simulator, client):
    missing_notes = submit(client, facturx(notes=()), tracking_id="TX-NOTES")
    garbage = submit(client, b"%PDF-1.7 not really", tracking_id="TX-GARBAGE")
    xml_as_pdf = submit(
        client, build_cii(invoice()), tracking_id="TX-XML", name="facture.xml"
    )
    pdf_as_cii = submit(client, facturx(), tracking_id="TX-PDF", syntax="CII")
    assert client.get_flow(missing_notes.flow_id).ack_status == "Pending"
    simulator.advance()
    flow = client.get_flow(missing_notes.flow_id)
    assert flow.ack_status == "Error"
    assert "BR-FR-05_BT-22_PMT" in {d.item for d in flow.ack_details}
    assert {(d.level, d.reason_code) for d in flow.ack_details} == {
        ("Error", "REJ_SEMAN")
    }
    [detail] = client.get_flow(garbage.flow_id).ack_details
    assert (detail.item, detail.reason_code) == ("TX-GARBAGE.pdf", "IRR_TYPE_F")
    assert "factur-x.xml" in detail.reason_message
    assert client.get_flow(xml_as_pdf.flow_id).ack_details[0].reason_code == (
        "IRR_TYPE_F"
    )
    assert client.get_flow(pdf_as_cii.flow_id).ack_details[0].reason_code == (
        "IRR_SYNTAX"
    )
    assert len(client.search_flows(ack_status="Error")) == 4
    simulator.advance(10 * STEP)
    assert lifecycle(client) == []  # a refused file gets no status
    with pytest.raises(PermanentError) as caught:
        client.flow_document(garbage.flow_id, "Converted")
    assert caught.value.code == "DOCUMENT_NOT_AVAILABLE"


def test_cii_submission(simulator, client):
    sent = submit(client, build_cii(invoice()), syntax="CII", name="facture.xml")
    simulator.advance()
    assert client.get_flow(sent.flow_id).ack_status == "Ok"


def test_refusals_are_permanent_with_the_platforms_code(simulator, client):
    with pytest.raises(PermanentError) as caught:
        submit(client, syntax="CDAR", flow_type="CustomerInvoice")
    assert caught.value.code == "INVALID_FLOW_TYPE"
    assert "CDAR" in caught.value.details
    assert "HTTP 400" in str(caught.value)
    with pytest.raises(PermanentError) as caught:
        client.get_flow("no-such-flow")
    assert caught.value.code == "FLOW_NOT_FOUND"
    # Checked here, before anything is sent.
    with pytest.raises(PermanentError, match="processing rule"):
        submit(client, processing_rule="B2X")
    with pytest.raises(PermanentError, match="tracking id"):
        submit(client, tracking_id="")
    assert calls(simulator, FLOWS) == 1
    assert simulator.state()["flows"] == []


def _raw_submission(simulator, client, info, content=b"<x/>"):
    files = {
        "file": ("f.xml", content, "application/xml"),
        "flowInfo": (None, json.dumps(info), "application/json"),
    }
    return requests.post(
        simulator.url + FLOWS,
        files=files,
        headers={"Authorization": f"Bearer {client._access_token()}"},
        timeout=5,
    )


def test_platform_checks_the_sha256_and_the_flow_info(simulator, client):
    base = {"flowSyntax": "CII", "name": "f.xml", "processingRule": "B2B"}
    response = _raw_submission(simulator, client, {**base, "sha256": "0" * 64})
    assert (response.status_code, response.json()["errorCode"]) == (
        400,
        "SHA256_MISMATCH",
    )
    response = _raw_submission(simulator, client, {**base, "flowSyntax": "PDF"})
    assert response.json()["errorCode"] == "INVALID_FLOW_SYNTAX"
    response = _raw_submission(
        simulator, client, {**base, "sha256": hashlib.sha256(b"<x/>").hexdigest()}
    )
    assert response.status_code == 202
    assert response.json()["trackingId"] is None
    unauthenticated = requests.post(simulator.url + SEARCH, json={}, timeout=5)
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["WWW-Authenticate"].startswith("Bearer")


def test_multipart_parts_come_back_byte_for_byte():
    content = bytes(range(256)) * 4 + b"\r\n--\r\n"
    prepared = requests.Request(
        "POST",
        "http://127.0.0.1/",
        files={"file": ("a.pdf", content, "application/pdf"), "flowInfo": (None, "{}")},
    ).prepare()
    parts = parse_multipart(prepared.headers["Content-Type"], prepared.body)
    assert parts["file"] == ("a.pdf", "application/pdf", content)
    assert parts["flowInfo"][2] == b"{}"


# Search ------------------------------------------------------------------------


def test_search_reads_every_page(simulator, client):
    for number in range(7):
        submit(client, b"garbage", tracking_id=f"TX-{number}")
    found = client.search_flows(page_size=3)
    assert [f.tracking_id for f in found] == [f"TX-{n}" for n in range(7)]
    assert calls(simulator, SEARCH) == 3
    assert [f.tracking_id for f in client.search_flows(tracking_id="TX-5")] == ["TX-5"]


def test_search_follows_the_platforms_page_size(simulator, client):
    for number in range(105):
        submit(client, b"garbage", tracking_id=f"TX-{number}")
    before = calls(simulator, SEARCH)
    assert len(client.search_flows(page_size=500)) == 105  # the platform gives 100
    assert calls(simulator, SEARCH) - before == 2


def test_search_by_update_time_and_filters(simulator, client):
    first = submit(client, tracking_id="TX-A")
    simulator.advance(30)
    second = submit(client, b"garbage", tracking_id="TX-B")
    assert [
        f.flow_id for f in client.search_flows(updated_after=first.submitted_at)
    ] == [second.flow_id]
    simulator.advance(STEP)  # both acknowledged: A at +60 s, B at +90 s
    a_acked = client.get_flow(first.flow_id).updated_at
    updated = client.search_flows(updated_after=second.submitted_at, direction="Out")
    assert [f.tracking_id for f in updated] == ["TX-A", "TX-B"]
    after_a = client.search_flows(updated_after=a_acked, direction="Out")
    assert [f.tracking_id for f in after_a] == ["TX-B"]
    assert [f.tracking_id for f in client.search_flows(ack_status=["Error"])] == [
        "TX-B"
    ]
    assert [
        f.tracking_id for f in client.search_flows(ack_status="Ok", direction="Out")
    ] == ["TX-A"]
    # The 200 status came with A's acknowledgement, as an inbound flow.
    [status] = lifecycle(client)
    assert status.status_code == 200
    with pytest.raises(PermanentError, match="aware"):
        client.search_flows(updated_after=a_acked.replace(tzinfo=None))
    with pytest.raises(PermanentError, match="flow direction"):
        client.search_flows(direction="Sideways")


# Faults ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, code",
    [
        (500, "INTERNAL_SERVER_ERROR"),
        (503, "SERVICE_UNAVAILABLE"),
        (429, "TOO_MANY_REQUESTS"),
    ],
)
def test_server_errors_are_transient_with_the_platforms_code(
    simulator, client, status, code
):
    simulator.inject("http", status=status, path=SEARCH, count=1)
    with pytest.raises(TransientError) as caught:
        client.search_flows()
    assert type(caught.value) is TransientError
    assert (caught.value.code, caught.value.details) == (code, "Panne simulée.")
    assert f"HTTP {status}" in str(caught.value)
    assert client.search_flows() == []


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_on_submission_are_transient_and_record_nothing(
    simulator, client, status
):
    simulator.inject("http", status=status, path=FLOWS)
    with pytest.raises(TransientError) as caught:
        submit(client)
    assert type(caught.value) is TransientError
    assert simulator.state()["flows"] == []
    assert_no_secret(caught.value, client)


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_on_submission_are_unknown_outcomes(simulator, client, status):
    simulator.inject("http", status=status, path=FLOWS, count=1)
    with pytest.raises(OutcomeUnknownError):
        submit(client)


def test_token_endpoint_errors_are_transient(simulator, client):
    simulator.inject("http", status=503, path=TOKEN, count=1)
    with pytest.raises(TransientError) as caught:
        submit(client)
    assert type(caught.value) is TransientError
    assert caught.value.code == "temporarily_unavailable"


def test_timeout_after_the_flow_was_recorded_is_an_unknown_outcome(simulator):
    client = make_client(simulator, timeout=0.3)
    simulator.inject("timeout", path=FLOWS, delay=0.6, count=1)
    with pytest.raises(OutcomeUnknownError, match="tracking id") as caught:
        submit(client)
    assert_no_secret(caught.value, client)
    # The platform may still be processing it: the caller looks it up later.
    wait_for(lambda: simulator.state()["flows"])
    [found] = client.search_flows(tracking_id="TX-1")
    assert found.ack_status == "Pending"
    assert simulator.state()["flows_per_tracking_id"] == {"TX-1": 1}


def test_timeout_on_a_read_is_transient(simulator):
    client = make_client(simulator, timeout=0.3)
    simulator.inject("timeout", path=SEARCH, delay=0.6, count=1)
    with pytest.raises(TransientError) as caught:
        client.search_flows()
    assert type(caught.value) is TransientError


def test_dropped_submission_is_found_by_its_tracking_id_once(simulator, client):
    simulator.inject("drop", path=FLOWS, count=1)
    with pytest.raises(OutcomeUnknownError) as caught:
        submit(client, tracking_id="TX-DROP")
    assert_no_secret(caught.value, client)
    assert simulator.state()["answers"][FLOWS] == {"dropped": 1}
    # The caller looks the tracking id up before sending again: found, so
    # nothing is sent again.
    [found] = client.search_flows(tracking_id="TX-DROP")
    assert found.tracking_id == "TX-DROP"
    simulator.advance()
    assert client.get_flow(found.flow_id).ack_status == "Ok"
    state = simulator.state()
    assert state["flows_per_tracking_id"] == {"TX-DROP": 1}
    assert state["flows_per_invoice_number"] == {"FA-2026-0042": 1}
    # The next call works on a new connection.
    assert submit(client, b"garbage", tracking_id="TX-NEXT").flow_id


def test_dropped_read_is_transient(simulator, client):
    simulator.inject("drop", path=FLOW, count=1)
    with pytest.raises(TransientError) as caught:
        client.get_flow("any")
    assert type(caught.value) is TransientError


def test_refused_connection_is_transient_even_for_a_submission():
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    client = PlatformClient(
        token_url=url + TOKEN,
        api_url=url,
        client_id="id",
        client_secret="secret",
        timeout=1,
    )
    with pytest.raises(TransientError) as caught:
        submit(client, b"%PDF-")
    assert type(caught.value) is TransientError
    assert not client.health_check()


@pytest.mark.parametrize("error, expected", SEND_ERRORS)
def test_submission_errors_before_and_after_the_request_left(error, expected):
    client = PlatformClient(
        token_url="http://pa.invalid/token",
        api_url="http://pa.invalid",
        client_id="id",
        client_secret="secret",
        session=FailingSession(error),
    )
    with pytest.raises(expected) as caught:
        submit(client, b"%PDF-")
    assert type(caught.value) is expected
    with pytest.raises(TransientError) as caught:
        client.search_flows()
    assert type(caught.value) is TransientError


def test_fault_by_rate_and_control_endpoints(simulator, client):
    base = simulator.url + "/_simulator/"
    fault = requests.post(
        base + "faults",
        json={"kind": "http", "status": 503, "rate": 0.3, "path": SEARCH},
        timeout=5,
    )
    assert fault.status_code == 200 and fault.json()["id"] == 1
    failures = 0
    for _attempt in range(40):
        try:
            client.search_flows()
        except TransientError:
            failures += 1
    assert 4 <= failures <= 24
    assert (
        requests.post(base + "faults", json={"kind": "fire"}, timeout=5).status_code
        == 400
    )
    assert requests.delete(base + "faults", timeout=5).json() == {"cleared": 1}
    before = simulator.now()
    requests.post(base + "clock", json={"seconds": 90}, timeout=5)
    assert simulator.now() - before == timedelta(seconds=90)
    assert requests.post(base + "tokens/expire", timeout=5).json() == {"expired": 1}
    assert requests.post(base + "webhooks", json={"mode": "twice"}, timeout=5).ok
    assert (
        requests.post(base + "webhooks", json={"mode": "x"}, timeout=5).status_code
        == 400
    )
    state = requests.get(base + "state", timeout=5).json()
    assert state["flows"] == [] and state["faults"] == []
    assert state["calls"][SEARCH] == 40


# Lifecycle ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker, codes, reason",
    [
        ("", [200, 202, 203, 204, 205, 211], None),
        ("#LITIGE", [200, 202, 203, 204, 207], "QTE_ERR"),
        ("#SUSPENDUE", [200, 202, 203, 204, 208], "JUSTIF_ABS"),
        ("#REFUSEE", [200, 202, 203, 204, 210], "NON_CONFORME"),
        ("#REJETEE", [200, 213], "REJ_SEMAN"),
    ],
)
def test_lifecycle_statuses_arrive_over_time(simulator, client, marker, codes, reason):
    note = f"Commande 4711 {marker}".strip()
    submit(client, facturx(note=note))
    assert lifecycle(client) == []
    seen = []
    for _step in range(len(codes) + 2):
        simulator.advance()
        seen.append([s.status_code for s in lifecycle(client)])
    assert seen[: len(codes)] == [codes[: n + 1] for n in range(len(codes))]
    assert seen[-1] == codes  # nothing more comes
    statuses = lifecycle(client)
    last = statuses[-1]
    assert (last.invoice_number, last.seller_siren, last.buyer_siren) == (
        "FA-2026-0042",
        "123456782",
        "552100554",
    )
    assert last.invoice_date == date(2026, 11, 2)
    assert [s.issued_at for s in statuses] == [
        statuses[0].issued_at + timedelta(seconds=STEP * n) for n in range(len(codes))
    ]
    assert {
        s.sender_role for s in statuses if s.status_code in (200, 202, 203, 213)
    } == {"WK"}
    if reason:
        assert [r.code for r in last.reasons] == [reason]
    else:
        assert (last.amount, last.currency) == (D("360.00"), "EUR")
        assert last.payment_date == last.issued_at.date()
    assert simulator.state()["statuses"] == {"FA-2026-0042": codes}


def _seller_status(code, **values):
    return build_cdar(lifecycle_status(code, **values))


def test_suspended_invoice_goes_on_once_the_seller_completes_it(simulator, client):
    submit(client, facturx(note="#SUSPENDUE"))
    simulator.advance(10 * STEP)
    assert [s.status_code for s in lifecycle(client)][-1] == 208
    completed = _seller_status(209, issued_at=simulator.now())
    sent = submit(
        client,
        completed,
        tracking_id="TX-209",
        syntax="CDAR",
        flow_type="CustomerInvoiceLC",
        name="209.xml",
    )
    simulator.advance(3 * STEP)
    assert client.get_flow(sent.flow_id).ack_status == "Ok"
    assert [s.status_code for s in lifecycle(client)][-3:] == [208, 205, 211]
    assert simulator.state()["seller_statuses"] == {"FA-2026-0042": [209]}


def test_seller_reports_the_payment_received(simulator, client):
    submit(client, facturx())
    simulator.advance(10 * STEP)
    paid = lifecycle(client)[-1]
    assert paid.status_code == 211
    received = _seller_status(
        212,
        issued_at=simulator.now(),
        amount=paid.amount,
        currency=paid.currency,
        payment_date=paid.payment_date,
        vat_amounts=split_payment(paid.amount, {D("20"): D("360.00")}),
    )
    sent = submit(client, received, tracking_id="TX-212", syntax="CDAR", name="212.xml")
    simulator.advance()
    flow = client.get_flow(sent.flow_id)
    assert (flow.flow_type, flow.direction, flow.ack_status) == (
        "CustomerInvoiceLC",
        "Out",
        "Ok",
    )
    assert simulator.state()["seller_statuses"] == {"FA-2026-0042": [212]}
    [echo] = parse_cdar(client.flow_document(sent.flow_id))
    assert echo.amount == D("360.00")


def test_seller_cannot_send_the_buyers_statuses(simulator, client):
    disputed = _seller_status(
        207,
        issued_at=simulator.now(),
        sender_role="BY",
        reasons=(StatusReason("QTE_ERR"),),
    )
    sent = submit(client, disputed, syntax="CDAR", name="207.xml")
    broken = submit(client, b"<not-a-cdar/>", tracking_id="TX-2", syntax="CDAR")
    simulator.advance()
    [detail] = client.get_flow(sent.flow_id).ack_details
    assert (detail.item, detail.reason_code) == ("MDT-21", "REJ_COH")
    [detail] = client.get_flow(broken.flow_id).ack_details
    assert detail.reason_code == "IRR_TYPE_F"


def test_international_ubl_through_the_platform(simulator, client):
    content = ubl()
    sent = submit(
        client, content, syntax="UBL", processing_rule="B2BInt", name="INV.xml"
    )
    rejected = submit(
        client,
        ubl("INV-2026-0008", "#REJETEE"),
        tracking_id="TX-2",
        syntax="UBL",
        processing_rule="B2BInt",
    )
    unknown_element = submit(
        client,
        content.replace(b"cbc:DueDate", b"cbc:PaymentDueDate"),
        tracking_id="TX-3",
        syntax="UBL",
        processing_rule="B2BInt",
    )
    wrong_total = submit(
        client,
        content.replace(
            b'"EUR">250.00</cbc:PayableAmount', b'"EUR">260.00</cbc:PayableAmount'
        ),
        tracking_id="TX-4",
        syntax="UBL",
        processing_rule="B2BInt",
    )
    simulator.advance(10 * STEP)
    flow = client.get_flow(sent.flow_id)
    assert (flow.ack_status, flow.processing_rule, flow.syntax) == (
        "Ok",
        "B2BInt",
        "UBL",
    )
    assert client.flow_document(sent.flow_id, "Converted") == content
    [detail] = client.get_flow(unknown_element.flow_id).ack_details
    assert (detail.item, detail.reason_code) == ("XSD", "IRR_SYNTAX")
    details = client.get_flow(wrong_total.flow_id).ack_details
    assert ("BR-CO-16", "REJ_SEMAN") in {(d.item, d.reason_code) for d in details}
    assert client.get_flow(rejected.flow_id).ack_status == "Ok"
    assert simulator.state()["statuses"] == {
        "INV-2026-0007": [200, 202, 203],  # a foreign buyer sends no status
        "INV-2026-0008": [200, 213],
    }
    assert {s.buyer_siren for s in lifecycle(client)} == {""}


def test_a_domestic_ubl_meets_the_french_rules(simulator, client):
    sent = submit(client, ubl(), syntax="UBL", processing_rule="B2B")
    simulator.advance()
    flow = client.get_flow(sent.flow_id)
    assert flow.ack_status == "Error"
    assert any(d.item.startswith("BR-FR-") for d in flow.ack_details)


def test_a_file_declaring_a_dtd_is_refused(simulator, client):
    content = build_cii(invoice()).replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/hostname">]>', 1
    )
    sent = submit(client, content, syntax="CII", name="facture.xml")
    simulator.advance()
    [detail] = client.get_flow(sent.flow_id).ack_details
    assert (detail.reason_code, detail.reason_message) == (
        "IRR_SYNTAX",
        "Une DTD (<!DOCTYPE>) est interdite.",
    )


def test_a_ubl_without_the_sellers_siren_is_refused(simulator, client):
    content = ubl().replace(
        b'<cbc:CompanyID schemeID="0002">123456782</cbc:CompanyID>', b""
    )
    sent = submit(client, content, syntax="UBL", processing_rule="B2BInt")
    simulator.advance()
    [detail] = client.get_flow(sent.flow_id).ack_details
    assert detail.item == "BR-FR-10"


def test_duplicates_are_not_detected_by_the_platform(simulator, client):
    """As far as anyone knows, platforms do not: the caller must look up."""
    first = submit(client)
    second = submit(client)
    assert first.flow_id != second.flow_id
    simulator.advance()
    assert {f.ack_status for f in client.search_flows(tracking_id="TX-1")} == {"Ok"}
    state = simulator.state()
    assert state["flows_per_tracking_id"] == {"TX-1": 2}
    assert state["flows_per_invoice_number"] == {"FA-2026-0042": 2}


# Webhooks ----------------------------------------------------------------------


class _Receiver:
    """A webhook endpoint on 127.0.0.1 that keeps what it receives."""

    def __init__(self, status=200):
        self.status = status
        self.received = queue.Queue()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.put((body, dict(self.headers)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pa/events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()

    def events(self, secret="hook-secret"):
        found = []
        while not self.received.empty():
            body, headers = self.received.get()
            found.append(verify_webhook(body, headers, secret))
        return found


def test_webhook_subscriptions(simulator, client):
    webhook = client.register_webhook(
        "https://erp.example/pa", secret="s3cret", flow_types=["CustomerInvoiceLC"]
    )
    assert webhook.flow_types == ("CustomerInvoiceLC",)
    assert webhook.created_at == simulator.now()
    [listed] = client.list_webhooks()
    assert listed == webhook
    assert "s3cret" not in json.dumps(simulator.state()["webhooks"])
    client.delete_webhook(webhook.webhook_id)
    assert client.list_webhooks() == []
    with pytest.raises(PermanentError) as caught:
        client.delete_webhook(webhook.webhook_id)
    assert caught.value.code == "WEBHOOK_NOT_FOUND"
    with pytest.raises(PermanentError) as caught:
        client.register_webhook("ftp://erp.example", secret="s")
    assert caught.value.code == "INVALID_URL"


def test_signed_notifications_of_new_and_updated_flows(simulator, client):
    with _Receiver() as receiver:
        client.register_webhook(receiver.url, secret="hook-secret")
        sent = submit(client)
        simulator.advance()  # acknowledged, and 200 arrives
        assert simulator.wait_for_deliveries()
        wait_for(lambda: receiver.received.qsize() == 3)
        events = receiver.events()
    assert [(e.flow_id, e.tracking_id) for e in events[:2]] == [
        (sent.flow_id, "TX-1"),
        (sent.flow_id, "TX-1"),
    ]
    assert events[1].updated_at == client.get_flow(sent.flow_id).updated_at
    assert (events[2].flow_type, events[2].tracking_id) == ("CustomerInvoiceLC", None)
    assert len({e.event_id for e in events}) == 3


def test_failed_deliveries_are_retried(simulator, client):
    with _Receiver() as receiver:
        client.register_webhook(receiver.url, secret="hook-secret")
        simulator.webhook_delivery("fail", count=2)
        submit(client)
        wait_for(lambda: receiver.received.qsize() == 1)
        [event] = receiver.events()
    attempts = [
        (d["attempt"], d["result"])
        for d in simulator.state()["deliveries"]
        if d["eventId"] == event.event_id
    ]
    assert attempts == [(1, "simulated failure"), (2, "simulated failure"), (3, 200)]


def test_a_failing_receiver_is_tried_a_few_times_then_given_up():
    with (
        Simulator(webhook_attempts=3, webhook_retry_delay=0.05) as simulator,
        _Receiver(status=500) as receiver,
    ):
        client = make_client(simulator)
        client.register_webhook(receiver.url, secret="hook-secret")
        submit(client, b"garbage")
        wait_for(lambda: len(simulator.state()["deliveries"]) == 3)
        assert simulator.wait_for_deliveries()
        time.sleep(0.3)
        assert [d["result"] for d in simulator.state()["deliveries"]] == [500] * 3


def test_a_notification_delivered_twice_has_one_event_id(simulator, client):
    with _Receiver() as receiver:
        client.register_webhook(receiver.url, secret="hook-secret")
        simulator.webhook_delivery("twice", count=1)
        submit(client, b"garbage")
        wait_for(lambda: receiver.received.qsize() == 2)
        first, second = receiver.events()
    assert first == second


def test_notifications_only_for_the_flow_types_subscribed(simulator, client):
    with _Receiver() as receiver:
        client.register_webhook(
            receiver.url, secret="hook-secret", flow_types="CustomerInvoiceLC"
        )
        submit(client)
        simulator.advance()
        assert simulator.wait_for_deliveries()
        wait_for(lambda: receiver.received.qsize() == 1)
        [event] = receiver.events()
    assert event.flow_type == "CustomerInvoiceLC"


BODY = json.dumps(
    {
        "eventId": "e-1",
        "flowId": "f-1",
        "flowType": "CustomerInvoice",
        "trackingId": "TX-1",
        "updatedAt": "2026-12-03T09:30:15.250Z",
    }
).encode()


def test_webhook_signature_is_verified():
    headers = sign_webhook(BODY, "hook-secret", timestamp=1_800_000_000)
    moment = datetime.fromtimestamp(1_800_000_100, tz=timezone.utc)
    event = verify_webhook(BODY, headers, "hook-secret", now=moment)
    assert (event.event_id, event.flow_id, event.tracking_id) == ("e-1", "f-1", "TX-1")
    assert event.updated_at.microsecond == 250_000
    lower = {name.lower(): value for name, value in headers.items()}
    assert verify_webhook(BODY, lower, "hook-secret", now=moment) == event
    with pytest.raises(PermanentError, match="signature is wrong"):
        verify_webhook(BODY.replace(b"f-1", b"f-2"), headers, "hook-secret", now=moment)
    with pytest.raises(PermanentError, match="signature is wrong"):
        verify_webhook(BODY, headers, "other-secret", now=moment)
    with pytest.raises(PermanentError, match="not signed"):
        verify_webhook(BODY, {}, "hook-secret", now=moment)
    with pytest.raises(PermanentError, match="replay"):
        verify_webhook(
            BODY, headers, "hook-secret", now=moment + timedelta(seconds=201)
        )
    with pytest.raises(PermanentError, match="replay"):
        verify_webhook(
            BODY, headers, "hook-secret", now=moment - timedelta(seconds=401)
        )
    with pytest.raises(PermanentError, match="No webhook secret"):
        verify_webhook(BODY, headers, "", now=moment)
    replayed = dict(headers, **{"X-Timestamp": "1800000050"})
    with pytest.raises(PermanentError, match="signature is wrong"):
        verify_webhook(BODY, replayed, "hook-secret", now=moment)
    unsigned_garbage = b"[]"
    with pytest.raises(PermanentError, match="does not name"):
        verify_webhook(
            unsigned_garbage,
            sign_webhook(unsigned_garbage, "hook-secret", 1_800_000_000),
            "hook-secret",
            now=moment,
        )


# Idempotent sending under faults --------------------------------------------------


def send_all(client, documents, settle=0.5):
    """The caller's resend loop: never resend before a lookup says "not there".

    Like the job queue, it moves on to other documents while one waits: after
    an unknown outcome the platform may still be processing the file, so its
    lookup comes ``settle`` seconds later.

    :param documents: ``(tracking id, content)`` pairs.
    :returns: ``{tracking id: flow id}``.
    """
    waiting = [
        (0.0, n, key, content, False) for n, (key, content) in enumerate(documents)
    ]
    heapq.heapify(waiting)
    sent, attempts = {}, Counter()
    while waiting:
        due, n, key, content, uncertain = heapq.heappop(waiting)
        time.sleep(max(0.0, due - time.monotonic()))
        attempts[key] += 1
        assert attempts[key] < 50, f"{key} could not be sent"
        if uncertain:
            try:
                found = client.search_flows(tracking_id=key)
            except TransientError:
                heapq.heappush(waiting, (time.monotonic(), n, key, content, True))
                continue
            if found:
                sent[key] = found[0].flow_id
                continue
        try:
            sent[key] = submit(client, content, tracking_id=key).flow_id
        except OutcomeUnknownError:
            heapq.heappush(waiting, (time.monotonic() + settle, n, key, content, True))
        except TransientError:
            heapq.heappush(waiting, (time.monotonic(), n, key, content, True))
    return sent


def test_two_hundred_flows_under_faults_are_sent_once_each(simulator):
    submit(make_client(simulator), facturx("WARM-UP"), tracking_id="WARM-UP")
    # About 20 % of each kind on submissions, and failed lookups.
    simulator.inject("http", path=FLOWS, status=503, rate=0.2)
    simulator.inject("timeout", path=FLOWS, rate=0.25, delay=0.5)
    simulator.inject("drop", path=FLOWS, rate=1 / 3)
    simulator.inject("http", path=SEARCH, status=500, rate=0.2)
    invoices = [
        (f"TX-{n:03d}", facturx(f"FA-2026-{n:04d}", lines=(line(1, f"{n + 1}.00"),)))
        for n in range(200)
    ]

    def worker(batch):
        return send_all(make_client(simulator, timeout=0.4), batch)

    with ThreadPoolExecutor(4) as pool:
        flow_ids = [
            flow_id
            for sent in pool.map(worker, [invoices[n::4] for n in range(4)])
            for flow_id in sent.values()
        ]
    simulator.clear_faults()
    simulator.advance()
    state = simulator.state()
    answered = state["answers"][FLOWS]
    assert min(answered["503"], answered["dropped"]) >= 25
    assert len(set(flow_ids)) == 200
    assert set(state["flows_per_tracking_id"].values()) == {1}
    assert len(state["flows_per_tracking_id"]) == 201
    assert set(state["flows_per_invoice_number"].values()) == {1}
    client = make_client(simulator)
    sent = client.search_flows(direction="Out")
    assert len(sent) == 201 and {f.ack_status for f in sent} == {"Ok"}


# Command line -------------------------------------------------------------------


def test_simulator_command_prints_its_urls_and_answers():
    port = unused_port()
    process = start_command("connectors.pa.simulator", "--port", str(port))
    try:
        assert process.stdout.readline().strip() == (
            f"PA simulator on http://127.0.0.1:{port}"
        )
        assert f"http://127.0.0.1:{port}/oauth2/token" in process.stdout.readline()
        client = PlatformClient(
            token_url=f"http://127.0.0.1:{port}/oauth2/token",
            api_url=f"http://127.0.0.1:{port}",
            client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_CLIENT_SECRET,
            timeout=5,
        )
        assert client.health_check()
        assert client.search_flows() == []
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
