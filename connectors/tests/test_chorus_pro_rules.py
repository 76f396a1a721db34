# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro statuses and the checks made before sending."""

import pytest

from ..chorus_pro import statuses
from ..chorus_pro.client import ServiceRules, StructureRules
from ..chorus_pro.rules import (
    check_commitment_number,
    check_routing,
    check_service_code,
    missing_routing,
)
from ..errors import PermanentError

NONE = StructureRules(False, False, False, False)
SERVICE = StructureRules(True, False, False, False)
COMMITMENT = StructureRules(False, True, False, False)
BOTH = StructureRules(True, True, False, False)
EITHER = StructureRules(False, False, True, False)


@pytest.mark.parametrize(
    "status, final",
    [
        ("DEPOSEE", False),
        ("SUSPENDUE", False),
        ("A_RECYCLER", False),
        ("MANDATEE", False),
        ("MISE_EN_PAIEMENT", True),
        ("REJETEE", True),
        ("COMPTABILISEE", True),
        ("MISE_A_DISPOSITION_COMPTABLE", True),
        ("ABANDONNEE", True),
        ("SUPPRIMEE", True),
    ],
)
def test_final_statuses(status, final):
    assert statuses.is_final(status) is final


def test_mandatee_is_final_when_payments_are_not_reported():
    assert statuses.is_final("MANDATEE", payment_status_not_reported=True)
    assert not statuses.is_final("SERVICE_FAIT", payment_status_not_reported=True)


def test_supplier_actions_and_lifecycle_codes():
    assert statuses.supplier_action("SUSPENDUE") == "complete"
    assert statuses.supplier_action("A_RECYCLER") == "recycle"
    assert statuses.supplier_action("MANDATEE") is None
    assert [
        statuses.lifecycle_code(s)
        for s in ("DEPOSEE", "MISE_A_DISPOSITION", "COMPLETEE", "REJETEE", "A_RECYCLER")
    ] == [200, 203, 209, 210, None]
    assert statuses.FLUX_INTEGRATED < statuses.FLUX_FINAL


def test_commitment_number_is_at_most_fifty_characters():
    assert check_commitment_number(" EJ-1 ") == "EJ-1"
    assert check_commitment_number(None) == ""
    assert check_commitment_number("E" * 50) == "E" * 50
    with pytest.raises(PermanentError, match="51 characters"):
        check_commitment_number("E" * 51)


def test_public_invoices_service_is_refused():
    assert check_service_code("ECOLES") == "ECOLES"
    with pytest.raises(PermanentError, match="reserved"):
        check_service_code("factures_publiques")


@pytest.mark.parametrize(
    "rules, service, commitment, missing",
    [
        (NONE, "", "", []),
        (SERVICE, "", "EJ", ["a service code"]),
        (COMMITMENT, "S", "", ["a commitment number"]),
        (BOTH, "", "", ["a service code", "a commitment number"]),
        (EITHER, "", "", ["a service code or a commitment number"]),
        (EITHER, "", "EJ", []),
        (BOTH, "S", "EJ", []),
    ],
)
def test_missing_routing(rules, service, commitment, missing):
    assert missing_routing(rules, service, commitment) == missing


def test_service_requiring_a_commitment():
    assert missing_routing(NONE, "PHARMACIE", "", ServiceRules(True)) == [
        "a commitment number (required by the service PHARMACIE)"
    ]
    with pytest.raises(
        PermanentError, match="requires a service code and a commitment"
    ):
        check_routing(BOTH)
    with pytest.raises(PermanentError, match="FACTURES_PUBLIQUES"):
        check_routing(NONE, "FACTURES_PUBLIQUES")
    check_routing(BOTH, "S", "EJ")
