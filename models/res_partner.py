# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .account_late_payment_policy import CUSTOMER_TYPES
from .res_company import FACTURX_PROFILES


class ResPartner(models.Model):
    _inherit = "res.partner"

    receivable_customer_type = fields.Selection(
        CUSTOMER_TYPES,
        string="Customer Type",
        compute="_compute_receivable_customer_type",
        store=True,
        readonly=False,
        precompute=True,
        help="Decides the late-payment rules that apply: businesses and public "
        "buyers owe interest and the recovery indemnity, consumers only "
        "interest at the legal rate.",
    )

    dunning_policy_id = fields.Many2one(
        "account.dunning.policy",
        string="Dunning Policy",
        help="Leave empty to follow the first policy whose rules match the "
        "customer, or the company's default one.",
    )

    facturx_profile = fields.Selection(
        FACTURX_PROFILES,
        string="Factur-X Profile",
        help="Leave empty to use the company's profile.",
    )
    sepa_mandate_reference = fields.Char(
        string="SEPA Mandate",
        help="Reference of the direct-debit mandate this customer signed. When "
        "set, its invoices are paid by SEPA direct debit from its first bank "
        "account.",
    )

    dunning_communication_count = fields.Integer(
        compute="_compute_dunning_communication_count"
    )

    def _compute_dunning_communication_count(self):
        counts = dict(
            self.env["account.dunning.communication"]._read_group(
                [("partner_id", "in", self.ids), ("state", "!=", "preview")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.dunning_communication_count = counts.get(partner, 0)

    def action_view_dunning_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_receivable_gateway.account_dunning_communication_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        return action

    @api.depends("is_company")
    def _compute_receivable_customer_type(self):
        for partner in self:
            if partner.receivable_customer_type != "public":
                partner.receivable_customer_type = (
                    "business" if partner.is_company else "consumer"
                )

    def _receivable_siren(self):
        """The SIREN of a French company: the first nine digits of its SIRET,
        or the last nine of its French VAT number."""
        self.ensure_one()
        registry = (self.company_registry or "").replace(" ", "")
        if registry.isdigit() and len(registry) in (9, 14):
            return registry[:9]
        vat = (self.vat or "").replace(" ", "").upper()
        if vat.startswith("FR") and len(vat) == 13 and vat[4:].isdigit():
            return vat[4:]
        return False

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "receivable_customer_type",
            "dunning_policy_id",
            "facturx_profile",
            "sepa_mandate_reference",
        ]
