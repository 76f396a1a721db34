# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Checks an invoice must pass before it goes to a Chorus Pro buyer.

The service code travels in BT-10 (``ram:BuyerReference``) and the
commitment number (engagement juridique, EJ) in BT-13; the buyer's
structure parameters say which of them it requires.
"""

from ..errors import PermanentError

COMMITMENT_MAX_LENGTH = 50
# Reserved for invoices between public entities: a private supplier's
# invoice addressed to it is rejected.
PUBLIC_INVOICES_SERVICE = "FACTURES_PUBLIQUES"


def check_commitment_number(value):
    """Return the commitment number, stripped; refuse one too long."""
    value = (value or "").strip()
    if len(value) > COMMITMENT_MAX_LENGTH:
        raise PermanentError(
            f"The commitment number {value!r} has {len(value)} characters; "
            f"Chorus Pro accepts at most {COMMITMENT_MAX_LENGTH}."
        )
    return value


def check_service_code(value):
    """Return the service code, stripped; refuse FACTURES_PUBLIQUES."""
    value = (value or "").strip()
    if value.upper() == PUBLIC_INVOICES_SERVICE:
        raise PermanentError(
            f"The service code {PUBLIC_INVOICES_SERVICE} is reserved for invoices "
            "between public entities: ask the buyer for the code of the service "
            "that ordered."
        )
    return value


def missing_routing(rules, service_code="", commitment_number="", service_rules=None):
    """What an invoice lacks for its buyer, in words (empty when nothing).

    :param rules: the buyer's :class:`~.client.StructureRules`.
    :param service_rules: the :class:`~.client.ServiceRules` of the service
        the invoice is addressed to, if any.
    """
    missing = []
    if rules.service_or_commitment:
        if not service_code and not commitment_number:
            missing.append("a service code or a commitment number")
    else:
        if rules.service_required and not service_code:
            missing.append("a service code")
        if rules.commitment_required and not commitment_number:
            missing.append("a commitment number")
    if (
        service_rules is not None
        and service_rules.commitment_required
        and not commitment_number
        and "a commitment number" not in missing
    ):
        missing.append(f"a commitment number (required by the service {service_code})")
    return missing


def check_routing(rules, service_code="", commitment_number="", service_rules=None):
    """Refuse an invoice that lacks what its buyer requires, or breaks a rule."""
    service_code = check_service_code(service_code)
    commitment_number = check_commitment_number(commitment_number)
    missing = missing_routing(rules, service_code, commitment_number, service_rules)
    if missing:
        raise PermanentError(
            "This public buyer requires " + " and ".join(missing) + " on its invoices."
        )
