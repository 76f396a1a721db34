# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class AccountEdiXmlUblBis3(models.AbstractModel):
    """French parties are identified by their SIREN (scheme 0002) as legal
    entity, as the French rules ask of the seller (BR-FR-10), rather than by
    their VAT number."""

    _inherit = "account.edi.xml.ubl_bis3"

    def _get_party_node(self, vals):
        party_node = super()._get_party_node(vals)
        partner = vals["partner"].commercial_partner_id
        siren = partner.country_code == "FR" and partner._receivable_siren()
        if siren:
            party_node["cac:PartyLegalEntity"]["cbc:CompanyID"] = {
                "_text": siren,
                "schemeID": "0002",
            }
        return party_node
