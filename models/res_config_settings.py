# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    late_penalty_interest_account_id = fields.Many2one(
        related="company_id.late_penalty_interest_account_id", readonly=False
    )
    late_penalty_indemnity_account_id = fields.Many2one(
        related="company_id.late_penalty_indemnity_account_id", readonly=False
    )
    dunning_promise_grace_days = fields.Integer(
        related="company_id.dunning_promise_grace_days", readonly=False
    )
    dunning_thank_you = fields.Boolean(
        related="company_id.dunning_thank_you", readonly=False
    )
    dunning_collector_id = fields.Many2one(
        related="company_id.dunning_collector_id", readonly=False
    )
    facturx_profile = fields.Selection(
        related="company_id.facturx_profile", readonly=False
    )
    sepa_creditor_identifier = fields.Char(
        related="company_id.sepa_creditor_identifier", readonly=False
    )
    einvoice_send_on_post = fields.Boolean(
        related="company_id.einvoice_send_on_post", readonly=False
    )
