# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The Chorus Pro client against the local Chorus Pro, over real HTTP."""

import base64
import io
import time
import zipfile
from datetime import timedelta

import pytest
import requests
from pypdf import PdfWriter

from ..chorus_pro import statuses
from ..chorus_pro.client import (
    PARIS,
    Attachment,
    ChorusProClient,
    DepositReport,
    Service,
    Structure,
    StructureRules,
    make_archive,
)
from ..chorus_pro.simulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_LOGIN,
    DEFAULT_PASSWORD,
    Simulator,
)
from ..errors import OutcomeUnknownError, PermanentError, TransientError
from ..facturx.cii import build_cii
from ..facturx.document import Address, ElectronicAddress, Note, Party, Profile
from ..facturx.pdf import build_facturx_pdf
from .common import (
    SEND_ERRORS,
    FailingSession,
    answers,
    assert_no_secret_in,
    calls,
    start_command,
    unused_port,
    wait_for,
)
from .test_facturx import NOTES, invoice, line

TOKEN = "/api/oauth/token"
DEPOSIT = "/cpro/factures/v1/deposer/flux"
SEARCH = "/cpro/factures/v1/rechercher/fournisseur"
STEP = 60


def _public(name, siret):
    return Party(
        name,
        Address("FR", "1 place de la Mairie", postcode="60126", city="Rivecourt"),
        siren=siret[:9],
        siret=siret,
        electronic_address=ElectronicAddress("0009", siret),
    )


RIVECOURT = _public("Commune de Rivecourt", "21600412700017")
STATE = _public("Direction des achats de l'État (démo)", "13000123300019")
HOSPITAL = _public("Centre hospitalier de Valfleuri", "26690012500011")
DEPARTMENT = _public("Département de Val-Joli", "22690001700014")
UNKNOWN = _public("Commune inconnue", "21999999900019")


def _blank_pdf():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    stream = io.BytesIO()
    writer.write(stream)
    return stream.getvalue()


BLANK_PDF = _blank_pdf()


def facturx(
    number="FA-2026-0101",
    buyer=RIVECOURT,
    service="SERVICES-TECHNIQUES",
    commitment="",
    note="",
    profile=Profile.EN16931,
    **values,
):
    """A Factur-X PDF addressed to a public buyer."""
    values.setdefault("notes", NOTES + ((Note(note, "AAI"),) if note else ()))
    document = invoice(
        number=number,
        buyer=buyer,
        buyer_reference=service,
        order_reference=commitment,
        payment_reference=number,
        **values,
    )
    return build_facturx_pdf(BLANK_PDF, build_cii(document, profile), profile)


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
        "login": DEFAULT_LOGIN,
        "password": DEFAULT_PASSWORD,
        "timeout": 5,
    }
    arguments.update(values)
    return ChorusProClient(**arguments)


@pytest.fixture
def client(simulator):
    return make_client(simulator)


def deposit_and_integrate(simulator, client, *files):
    """Deposit one file or an archive, and play the deposit's processing."""
    if len(files) == 1:
        deposit = client.deposit("facture.pdf", files[0])
    else:
        archive = {f"facture-{n}.pdf": content for n, content in enumerate(files)}
        deposit = client.deposit("lot.tar.gz", make_archive(archive))
    simulator.advance(2 * STEP)
    return deposit, client.deposit_report(deposit.number)


def assert_no_secret(error, client):
    account = base64.b64encode(f"{DEFAULT_LOGIN}:{DEFAULT_PASSWORD}".encode()).decode()
    assert_no_secret_in(
        error, DEFAULT_CLIENT_SECRET, DEFAULT_PASSWORD, account, client._token
    )


# Authentication ---------------------------------------------------------------


def test_token_is_cached_across_calls(simulator, client):
    for _attempt in range(3):
        assert client.health_check()
    assert calls(simulator, TOKEN) == 1


def test_token_expiring_mid_batch_is_renewed_once(simulator, client):
    client.find_structure("21600412700017")
    simulator.advance(3600)  # the token's hour is over on the server
    for _attempt in range(3):
        client.find_structure("21600412700017")
    assert calls(simulator, TOKEN) == 2
    assert answers(simulator, "/cpro/structures/v1/rechercher", 401) == 1
    assert answers(simulator, "/cpro/structures/v1/rechercher", 200) == 4


def test_token_expired_by_the_control_endpoint_is_renewed(simulator, client):
    client.health_check()
    response = requests.post(simulator.url + "/_simulator/tokens/expire", timeout=5)
    assert response.json() == {"expired": 1}
    client.deposit("facture.pdf", facturx())
    assert calls(simulator, TOKEN) == 2
    assert len(simulator.state()["deposits"]) == 1


def test_token_is_renewed_a_margin_before_it_expires():
    with Simulator(token_lifetime=2) as simulator:
        client = make_client(simulator)
        client.health_check()
        time.sleep(1.1)  # the margin is half of so short a lifetime
        client.health_check()
        assert calls(simulator, TOKEN) == 2
        assert answers(simulator, "/cpro/transverses/v1/health-check", 401) == 0


def test_wrong_application_secret_is_permanent(simulator):
    client = make_client(simulator, client_secret="not-the-secret")
    with pytest.raises(PermanentError, match="client id and secret") as caught:
        client.health_check()
    assert caught.value.code == "invalid_client"
    assert "not-the-secret" not in str(caught.value)
    assert_no_secret(caught.value, client)


def test_wrong_technical_password_is_retried_once_then_permanent(simulator):
    client = make_client(simulator, password="wrong-password")
    with pytest.raises(PermanentError, match="HTTP 401") as caught:
        client.find_structure("21600412700017")
    assert answers(simulator, "/cpro/structures/v1/rechercher", 401) == 2
    assert calls(simulator, TOKEN) == 2
    assert "wrong-password" not in str(caught.value)
    assert_no_secret(caught.value, client)


def test_unsubscribed_api_is_permanent():
    with Simulator(unsubscribed=("/cpro/engagementsJuridiques/",)) as simulator:
        client = make_client(simulator)
        with pytest.raises(PermanentError, match="subscribe") as caught:
            client.commitment_exists(25000002, "1300012345")
        assert caught.value.code == 403


# Faults ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_on_reads_are_transient(simulator, client, status):
    simulator.inject("http", status=status, path=SEARCH, count=1)
    with pytest.raises(TransientError) as caught:
        client.search_invoices(invoice_number="FA-2026-0101")
    assert type(caught.value) is TransientError
    assert caught.value.code == status
    assert client.search_invoices(invoice_number="FA-2026-0101") == []


@pytest.mark.parametrize("status", [500, 429])
def test_server_errors_on_deposit_are_transient_and_record_nothing(
    simulator, client, status
):
    simulator.inject("http", status=status, path=DEPOSIT)
    with pytest.raises(TransientError) as caught:
        client.deposit("facture.pdf", facturx())
    assert type(caught.value) is TransientError
    assert simulator.state()["deposits"] == []
    assert_no_secret(caught.value, client)


def test_gateway_timeout_on_deposit_is_an_unknown_outcome(simulator, client):
    simulator.inject("http", status=504, path=DEPOSIT, count=1)
    with pytest.raises(OutcomeUnknownError):
        client.deposit("facture.pdf", facturx())


def test_timeout_after_the_deposit_was_recorded_is_an_unknown_outcome(simulator):
    client = make_client(simulator, timeout=0.5)
    simulator.inject("timeout", path=DEPOSIT, delay=1.0, count=1)
    with pytest.raises(OutcomeUnknownError, match="Look it up") as caught:
        client.deposit("facture.pdf", facturx())
    assert_no_secret(caught.value, client)
    wait_for(lambda: len(simulator.state()["deposits"]) == 1)


def test_timeout_on_a_read_is_transient(simulator):
    client = make_client(simulator, timeout=0.5)
    simulator.inject("timeout", path=SEARCH, delay=1.0, count=1)
    with pytest.raises(TransientError) as caught:
        client.search_invoices()
    assert type(caught.value) is TransientError


def test_connection_dropped_after_the_deposit_was_recorded(simulator, client):
    simulator.inject("drop", path=DEPOSIT, count=1)
    with pytest.raises(OutcomeUnknownError) as caught:
        client.deposit("facture.pdf", facturx())
    assert_no_secret(caught.value, client)
    state = simulator.state()
    assert len(state["deposits"]) == 1
    assert state["answers"][DEPOSIT] == {"dropped": 1}
    # The next call works on a new connection.
    assert client.deposit("facture-2.pdf", facturx("FA-2026-0102")).number


def test_connection_dropped_on_a_read_is_transient(simulator, client):
    simulator.inject("drop", path=SEARCH, count=1)
    with pytest.raises(TransientError) as caught:
        client.search_invoices()
    assert type(caught.value) is TransientError


def test_refused_connection_is_transient_even_for_a_deposit():
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    client = ChorusProClient(
        token_url=url + TOKEN,
        api_url=url,
        client_id="id",
        client_secret="secret",
        login="login",
        password="password",
        timeout=1,
    )
    with pytest.raises(TransientError) as caught:
        client.deposit("facture.pdf", b"%PDF-")
    assert type(caught.value) is TransientError


@pytest.mark.parametrize("error, expected", SEND_ERRORS)
def test_deposit_errors_before_and_after_the_request_left(error, expected):
    client = ChorusProClient(
        token_url="http://chorus.invalid/token",
        api_url="http://chorus.invalid",
        client_id="id",
        client_secret="secret",
        login="login",
        password="password",
        session=FailingSession(error),
    )
    with pytest.raises(expected) as caught:
        client.deposit("facture.pdf", b"%PDF-")
    assert type(caught.value) is expected


def test_fault_by_count_then_by_rate(simulator, client):
    simulator.inject("http", status=500, count=2)
    outcomes = []
    for _attempt in range(4):
        try:
            client.search_invoices()
            outcomes.append("ok")
        except TransientError:
            outcomes.append("failed")
    # The first failure hits the token request, the second the search.
    assert outcomes == ["failed", "failed", "ok", "ok"]
    simulator.inject("http", status=503, rate=0.2, path=SEARCH)
    failures = 0
    for _attempt in range(50):
        try:
            client.search_invoices()
        except TransientError:
            failures += 1
    assert 3 <= failures <= 20


def test_control_endpoints(simulator):
    base = simulator.url + "/_simulator/"
    fault = requests.post(
        base + "faults", json={"kind": "http", "status": 503, "count": 1}, timeout=5
    )
    assert fault.status_code == 200 and fault.json()["id"] == 1
    assert (
        requests.post(base + "faults", json={"kind": "fire"}, timeout=5).status_code
        == 400
    )
    assert requests.delete(base + "faults", timeout=5).json() == {"cleared": 1}
    before = simulator.now()
    now = requests.post(base + "clock", json={"seconds": 90}, timeout=5).json()["now"]
    assert simulator.now() - before == timedelta(seconds=90)
    assert now.startswith(simulator.now().date().isoformat())
    state = requests.get(base + "state", timeout=5).json()
    assert state["deposits"] == [] and state["faults"] == []


# Deposits and invoices ---------------------------------------------------------


def test_invoice_goes_to_payment(simulator, client):
    deposit = client.deposit("facture.pdf", facturx())
    assert deposit.number.startswith("CPP") and len(deposit.number) == 25
    assert deposit.deposited_on == simulator.now().astimezone(PARIS).date()
    report = client.deposit_report(deposit.number)
    assert report == DepositReport(
        "IN_DEPOT_PORTAIL_EN_ATTENTE_TRAITEMENT_SE_CPP", False, False
    )
    assert client.search_invoices(deposit_number=deposit.number) == []
    simulator.advance()
    assert client.deposit_report(deposit.number).state == "IN_EN_COURS_TRAITEMENT_CPP"
    simulator.advance()
    assert client.deposit_report(deposit.number) == DepositReport(
        "IN_INTEGRE", True, True
    )
    [found] = client.search_invoices(deposit_number=deposit.number)
    assert (found.number, found.status, found.deposit_number) == (
        "FA-2026-0101",
        "DEPOSEE",
        deposit.number,
    )
    seen = [found.status]
    while not statuses.is_final(seen[-1]):
        simulator.advance()
        [found] = client.search_invoices(invoice_number="FA-2026-0101")
        seen.append(found.status)
    expected = [
        "DEPOSEE",
        "EN_COURS_ACHEMINEMENT",
        "MISE_A_DISPOSITION",
        "SERVICE_FAIT",
        "MANDATEE",
        "MISE_EN_PAIEMENT",
    ]
    assert seen == expected
    history = client.invoice_history(found.cpp_id)
    assert [event.status for event in history] == expected
    assert history[-1].comment == "Paiement émis par le comptable public."
    assert found.changed_at.utcoffset() == timedelta(0)
    gaps = {b.at - a.at for a, b in zip(history, history[1:], strict=False)}
    assert gaps == {timedelta(seconds=STEP)}
    assert [statuses.lifecycle_code(e.status) for e in history] == [
        200,
        201,
        203,
        205,
        205,
        211,
    ]


def test_history_is_read_over_several_pages(simulator, client):
    deposit_and_integrate(simulator, client, facturx())
    simulator.advance(10 * STEP)
    [found] = client.search_invoices()
    calls_before = calls(simulator, "/cpro/factures/v1/consulter/historique")
    history = client.invoice_history(found.cpp_id, page_size=4)
    assert len(history) == 6
    assert (
        calls(simulator, "/cpro/factures/v1/consulter/historique") - calls_before == 2
    )


def test_search_reads_every_page(simulator, client):
    files = [facturx(f"FA-2026-{n:04d}") for n in range(1, 13)]
    deposit, report = deposit_and_integrate(simulator, client, *files)
    assert report.state == "IN_INTEGRE"
    found = client.search_invoices(deposit_number=deposit.number, page_size=5)
    assert sorted(i.number for i in found) == [f"FA-2026-{n:04d}" for n in range(1, 13)]
    assert calls(simulator, SEARCH) == 3
    assert len(client.search_invoices()) == 12
    assert calls(simulator, SEARCH) == 4


def test_search_without_page_size_gets_ten(simulator, client):
    files = [facturx(f"FA-2026-{n:04d}") for n in range(1, 13)]
    deposit_and_integrate(simulator, client, *files)
    headers = {
        "Authorization": f"Bearer {client._access_token()}",
        "cpro-account": base64.b64encode(
            f"{DEFAULT_LOGIN}:{DEFAULT_PASSWORD}".encode()
        ).decode(),
    }
    body = requests.post(
        simulator.url + SEARCH, json={}, headers=headers, timeout=5
    ).json()
    assert body["codeRetour"] == 0
    assert len(body["listeFactures"]) == 10
    assert body["parametresRetour"] == {
        "nbResultatsParPage": 10,
        "pageCourante": 1,
        "pages": 2,
        "total": 12,
    }


def test_search_by_deposit_date(simulator, client):
    deposit_and_integrate(simulator, client, facturx())
    today = simulator.now().astimezone(PARIS).date()
    assert len(client.search_invoices(deposited_from=today, deposited_to=today)) == 1
    assert client.search_invoices(deposited_from=today + timedelta(days=1)) == []


def test_suspended_invoice_is_completed(simulator, client):
    deposit_and_integrate(
        simulator, client, facturx(note="Livraison partielle #SUSPENDUE")
    )
    simulator.advance(3 * STEP)
    [found] = client.search_invoices()
    assert found.status == "SUSPENDUE"
    assert statuses.supplier_action(found.status) == "complete"
    assert statuses.lifecycle_code(found.status) == 208
    assert "bon de livraison" in found.comment
    client.complete(
        found.cpp_id,
        "Bon de livraison signé joint.",
        [Attachment("bon-livraison.pdf", BLANK_PDF)],
    )
    [found] = client.search_invoices()
    assert (found.status, found.comment) == (
        "COMPLETEE",
        "Bon de livraison signé joint.",
    )
    with pytest.raises(PermanentError, match="pas SUSPENDUE") as caught:
        client.complete(found.cpp_id, "Encore")
    assert caught.value.code == 20004
    simulator.advance(10 * STEP)
    history = [e.status for e in client.invoice_history(found.cpp_id)]
    assert history == [
        "DEPOSEE",
        "EN_COURS_ACHEMINEMENT",
        "MISE_A_DISPOSITION",
        "SUSPENDUE",
        "COMPLETEE",
        "MISE_A_DISPOSITION",
        "SERVICE_FAIT",
        "MANDATEE",
        "MISE_EN_PAIEMENT",
    ]
    assert simulator.state()["invoices"][0]["attachments"] == 1


def test_attachment_name_is_checked_before_sending(simulator, client):
    with pytest.raises(PermanentError, match="50 characters"):
        client.complete(1000001, "Pièce", [Attachment("x" * 47 + ".pdf", b"%PDF-")])
    assert calls(simulator, "/cpro/transverses/v1/ajouter/fichier") == 0


def test_invoice_with_an_unknown_commitment_is_recycled(simulator, client):
    deposit_and_integrate(
        simulator, client, facturx(buyer=STATE, service="", commitment="1300099999")
    )
    simulator.advance(3 * STEP)
    [found] = client.search_invoices()
    assert found.status == "A_RECYCLER"
    assert statuses.supplier_action(found.status) == "recycle"
    assert "1300099999 inconnu" in found.comment
    with pytest.raises(PermanentError, match="FACTURES_PUBLIQUES"):
        client.recycle(found.cpp_id, STATE.siret, "FACTURES_PUBLIQUES", "", "")
    with pytest.raises(PermanentError, match="ACHATS-X") as caught:
        client.recycle(found.cpp_id, STATE.siret, "ACHATS-X", "1300012345", "")
    assert caught.value.code == 20005
    client.recycle(found.cpp_id, STATE.siret, "ACHATS", "1300012345", "EJ corrigé")
    simulator.advance(10 * STEP)
    [recycled] = client.search_invoices()
    assert (recycled.cpp_id, recycled.number, recycled.status) == (
        found.cpp_id,
        "FA-2026-0101",
        "MISE_EN_PAIEMENT",
    )
    history = [e.status for e in client.invoice_history(found.cpp_id)]
    assert history[3:6] == ["A_RECYCLER", "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION"]
    invoice_state = simulator.state()["invoices"][0]
    assert invoice_state["commitment_number"] == "1300012345"
    assert invoice_state["service_code"] == "ACHATS"


def test_recycling_is_triggered_by_a_keyword(simulator, client):
    deposit_and_integrate(simulator, client, facturx(note="#A_RECYCLER"))
    simulator.advance(3 * STEP)
    [found] = client.search_invoices()
    assert found.status == "A_RECYCLER"
    client.recycle(found.cpp_id, RIVECOURT.siret, "ECOLES", "", "Service corrigé")
    simulator.advance(10 * STEP)
    assert client.search_invoices()[0].status == "MISE_EN_PAIEMENT"


def test_invoice_rejected_by_the_buyer(simulator, client):
    deposit_and_integrate(
        simulator,
        client,
        facturx(lines=(line(1, "100.00", name="Prestation #REJETEE"),)),
    )
    simulator.advance(10 * STEP)
    [found] = client.search_invoices()
    assert found.status == "REJETEE"
    assert statuses.is_final(found.status)
    assert statuses.lifecycle_code(found.status) == 210
    assert "non conforme" in found.comment


def test_payment_not_reported_stops_at_mandatee(simulator, client):
    deposit_and_integrate(simulator, client, facturx(buyer=DEPARTMENT, service="DSI"))
    simulator.advance(20 * STEP)
    [found] = client.search_invoices()
    assert found.status == "MANDATEE"
    rules = client.structure_rules(client.find_structure(DEPARTMENT.siret).structure_id)
    assert statuses.is_final(
        found.status, payment_status_not_reported=rules.payment_status_not_reported
    )


def test_incident_on_the_deposit(simulator, client):
    _deposit, report = deposit_and_integrate(
        simulator, client, facturx(note="#INCIDENTE")
    )
    assert report == DepositReport("IN_INCIDENTE", True, False)


def test_invalid_facturx_is_rejected(simulator, client):
    _deposit, report = deposit_and_integrate(simulator, client, facturx(notes=()))
    assert (report.state, report.final, report.integrated) == ("IN_REJETE", True, False)
    codes = {error.code for error in report.technical_errors}
    assert "BR-FR-05_BT-22_PMT" in codes
    _deposit, report = deposit_and_integrate(simulator, client, b"not a PDF")
    assert report.state == "IN_REJETE"
    assert "factur-x.xml" in report.technical_errors[0].message
    assert simulator.state()["invoices"] == []


def test_malformed_deposit_requests_are_refused_at_once(simulator, client):
    with pytest.raises(PermanentError) as caught:
        client.deposit("facture.pdf", facturx(), syntax="IN_DP_E1_CII_FACTURX")
    assert caught.value.code == 20002
    assert "inconnue" in caught.value.details
    with pytest.raises(PermanentError, match="non prise en charge"):
        client.deposit("facture.xml", b"<Invoice/>", syntax="IN_DP_E1_UBL_INVOICE")
    with pytest.raises(PermanentError) as caught:
        client.deposit("facture.pdf", b"")
    assert caught.value.code == 20001


def test_cii_xml_deposit(simulator, client):
    xml = build_cii(invoice(buyer=RIVECOURT, buyer_reference="ECOLES"))
    _deposit, report = deposit_and_integrate(simulator, client, xml)
    assert report.state == "IN_REJETE"  # a Factur-X deposit must be a PDF
    deposit = client.deposit("facture.xml", xml, syntax="IN_DP_E1_CII_16B")
    simulator.advance(2 * STEP)
    assert client.deposit_report(deposit.number).state == "IN_INTEGRE"


def test_buyer_rules(simulator, client):
    files = [
        facturx("OK-1"),
        facturx("NO-SERVICE", buyer=HOSPITAL, service=""),
        facturx("NO-COMMITMENT", buyer=STATE, service="ACHATS"),
        facturx("PUBLIC-SERVICE", service="FACTURES_PUBLIQUES"),
        facturx("INACTIVE-SERVICE", service="ANCIEN-SERVICE"),
        facturx("SERVICE-NEEDS-EJ", buyer=HOSPITAL, service="PHARMACIE"),
        facturx("EITHER", buyer=DEPARTMENT, service=""),
        facturx("UNKNOWN-BUYER", buyer=UNKNOWN),
        facturx("OK-2", buyer=HOSPITAL, service="PHARMACIE", commitment="PH-2026-0001"),
    ]
    _deposit, report = deposit_and_integrate(simulator, client, *files)
    assert (report.state, report.final, report.integrated) == (
        "IN_INTEGRE_PARTIEL",
        True,
        True,
    )
    errors = {error.number: error.message for error in report.invoice_errors}
    assert sorted(errors) == sorted(
        [
            "NO-SERVICE",
            "NO-COMMITMENT",
            "PUBLIC-SERVICE",
            "INACTIVE-SERVICE",
            "SERVICE-NEEDS-EJ",
            "EITHER",
            "UNKNOWN-BUYER",
        ]
    )
    assert "code service doit être renseigné" in errors["NO-SERVICE"]
    assert "engagement doit être renseigné" in errors["NO-COMMITMENT"]
    assert "FACTURES_PUBLIQUES" in errors["PUBLIC-SERVICE"]
    assert "pas actif" in errors["INACTIVE-SERVICE"]
    assert "service PHARMACIE" in errors["SERVICE-NEEDS-EJ"]
    assert "code service ou le numéro d'engagement" in errors["EITHER"]
    assert "21999999900019 est inconnu" in errors["UNKNOWN-BUYER"]
    assert sorted(i.number for i in client.search_invoices()) == ["OK-1", "OK-2"]
    _deposit, report = deposit_and_integrate(simulator, client, files[1])
    assert (report.state, report.integrated) == ("IN_REJETE", False)


def test_buyer_found_by_its_siren(simulator, client):
    """MINIMUM carries the buyer's SIREN but not its SIRET."""
    _deposit, report = deposit_and_integrate(
        simulator, client, facturx(profile=Profile.MINIMUM, service="ECOLES")
    )
    assert report.state == "IN_INTEGRE"
    assert simulator.state()["invoices"][0]["buyer_siret"] == RIVECOURT.siret


def test_zip_archive_deposit(simulator, client):
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("a.pdf", facturx("FA-A"))
        archive.writestr("b.pdf", facturx("FA-B"))
    deposit = client.deposit("lot.zip", stream.getvalue())
    simulator.advance(2 * STEP)
    assert client.deposit_report(deposit.number).state == "IN_INTEGRE"
    assert sorted(i.number for i in client.search_invoices()) == ["FA-A", "FA-B"]


def test_duplicate_invoice_number_is_refused(simulator, client):
    deposit_and_integrate(simulator, client, facturx())
    _deposit, report = deposit_and_integrate(simulator, client, facturx())
    assert report.state == "IN_REJETE"
    assert report.invoice_errors[0].number == "FA-2026-0101"
    assert "déjà été déposée" in report.invoice_errors[0].message
    _deposit, report = deposit_and_integrate(
        simulator, client, facturx(profile=Profile.MINIMUM)
    )
    assert "déjà été déposée" in report.invoice_errors[0].message
    state = simulator.state()
    assert state["deposits_per_invoice_number"] == {"FA-2026-0101": 3}
    assert state["invoices_per_number"] == {"FA-2026-0101": 1}


def test_accounts_see_only_their_own_invoices():
    accounts = {DEFAULT_LOGIN: DEFAULT_PASSWORD, "TECH_other@cpro.fr": "other-password"}
    with Simulator(accounts=accounts) as simulator:
        client = make_client(simulator)
        other = make_client(
            simulator, login="TECH_other@cpro.fr", password="other-password"
        )
        deposit, _report = deposit_and_integrate(simulator, client, facturx())
        assert other.search_invoices() == []
        with pytest.raises(PermanentError) as caught:
            other.deposit_report(deposit.number)
        assert caught.value.code == 20003


def test_archive_is_reproducible():
    files = {"a.pdf": b"%PDF-a", "b.pdf": b"%PDF-b"}
    assert make_archive(files) == make_archive(files)


# Structures ------------------------------------------------------------------


def test_structures_services_and_commitments(simulator, client):
    structure = client.find_structure("26690012500011")
    assert structure == Structure(
        25000003, "26690012500011", "Centre hospitalier de Valfleuri"
    )
    assert client.structure_rules(structure.structure_id) == StructureRules(
        service_required=True,
        commitment_required=False,
        service_or_commitment=False,
        payment_status_not_reported=False,
    )
    services = client.structure_services(structure.structure_id)
    assert [(s.code, s.active) for s in services] == [
        ("FACTURES_PUBLIQUES", True),
        ("PHARMACIE", True),
        ("SERVICES-TECHNIQUES", True),
    ]
    pharmacy = services[1]
    assert isinstance(pharmacy, Service) and pharmacy.name == "Pharmacie"
    assert client.service_rules(
        structure.structure_id, pharmacy.service_id
    ).commitment_required
    assert not client.service_rules(
        structure.structure_id, services[2].service_id
    ).commitment_required
    assert client.commitment_exists(structure.structure_id, "PH-2026-0001")
    assert not client.commitment_exists(structure.structure_id, "PH-2026-9999")
    with pytest.raises(PermanentError, match="at most 50"):
        client.commitment_exists(structure.structure_id, "E" * 51)
    rivecourt = client.find_structure("21600412700017")
    inactive = [
        s.code
        for s in client.structure_services(rivecourt.structure_id)
        if not s.active
    ]
    assert inactive == ["ANCIEN-SERVICE"]


def test_services_are_read_over_every_page():
    many = [{"code": f"S{n:02d}", "name": f"Service {n}"} for n in range(25)]
    with Simulator(
        structures=[{"siret": "21600412700017", "name": "Ville", "services": many}]
    ) as simulator:
        client = make_client(simulator)
        structure = client.find_structure("21600412700017")
        assert (
            len(client.structure_services(structure.structure_id, page_size=10)) == 25
        )
        assert calls(simulator, "/cpro/structures/v1/rechercher/services") == 3


def test_unknown_structure(simulator, client):
    with pytest.raises(PermanentError, match="0 structures"):
        client.find_structure("21999999900019")
    with pytest.raises(PermanentError) as caught:
        client.structure_rules(99)
    assert caught.value.code == 20003


def test_health_check(simulator, client):
    assert client.health_check()
    simulator.inject("http", status=503, path="/cpro/transverses/v1/health-check")
    assert not client.health_check()


# Command line -------------------------------------------------------------------


def test_simulator_command_answers_the_token_endpoint():
    port = unused_port()
    process = start_command("connectors.chorus_pro.simulator", "--port", str(port))
    try:
        assert process.stdout.readline().strip() == (
            f"Chorus Pro simulator on http://127.0.0.1:{port}"
        )
        response = requests.post(
            f"http://127.0.0.1:{port}{TOKEN}",
            data={
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "scope": "openid",
            },
            timeout=5,
        )
        assert response.status_code == 200
        assert response.json()["expires_in"] == 3600
        refused = requests.post(
            f"http://127.0.0.1:{port}{TOKEN}",
            data={
                "grant_type": "client_credentials",
                "client_id": "x",
                "client_secret": "y",
            },
            timeout=5,
        )
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_client")
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
