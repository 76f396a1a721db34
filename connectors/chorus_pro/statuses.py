# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What Chorus Pro's deposit states and invoice statuses mean for a supplier.

Polling stops at a final status. OCA stops at MANDATEE or MISE_EN_PAIEMENT;
we keep following a MANDATEE invoice until the payment is reported
(MISE_EN_PAIEMENT), because that is what the accountant waits for, and stop
at the statuses after which nothing more comes to the supplier: REJETEE,
COMPTABILISEE, MISE_A_DISPOSITION_COMPTABLE, ABANDONNEE, SUPPRIMEE. A buyer
whose structure never reports payments (``statutMiseEnPaiementNestPasRemonte``)
leaves its invoices at MANDATEE: there MANDATEE is final too.
"""

# Deposit (flux) states, from consulterCRDetaille.
FLUX_INTEGRATED = frozenset({"IN_INTEGRE", "IN_INTEGRE_PARTIEL"})
FLUX_FINAL = FLUX_INTEGRATED | {"IN_REJETE", "IN_INCIDENTE"}

FINAL = frozenset(
    {
        "MISE_EN_PAIEMENT",
        "REJETEE",
        "COMPTABILISEE",
        "MISE_A_DISPOSITION_COMPTABLE",
        "ABANDONNEE",
        "SUPPRIMEE",
    }
)

# The supplier's answer to a status, by the client method that gives it.
SUPPLIER_ACTIONS = {"SUSPENDUE": "complete", "A_RECYCLER": "recycle"}

# French lifecycle codes (200 Déposée ... 213 Rejetée) of the Chorus Pro
# statuses that have one.
LIFECYCLE_CODES = {
    "DEPOSEE": 200,
    "EN_COURS_ACHEMINEMENT": 201,
    "MISE_A_DISPOSITION": 203,
    "PRISE_EN_COMPTE_DESTINATAIRE": 204,
    "SERVICE_FAIT": 205,
    "MANDATEE": 205,
    "SUSPENDUE": 208,
    "A_COMPLETER": 208,
    "COMPLETEE": 209,
    "REJETEE": 210,
    "MISE_EN_PAIEMENT": 211,
}
# An invoice Chorus Pro did not integrate (rejected deposit, or listed in the
# deposit report's errors) was rejected by the platform.
REJECTED_BY_PLATFORM = 213


def is_final(status, *, payment_status_not_reported=False):
    """Whether nothing more will happen to an invoice in ``status``."""
    if payment_status_not_reported and status == "MANDATEE":
        return True
    return status in FINAL


def supplier_action(status):
    """``"complete"``, ``"recycle"`` or None: what the supplier must do."""
    return SUPPLIER_ACTIONS.get(status)


def lifecycle_code(status):
    """The French lifecycle code of a Chorus Pro status, or None."""
    return LIFECYCLE_CODES.get(status)
