# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountEinvoiceChorusService(models.Model):
    """A service of a public buyer in Chorus Pro (its BT-10 code)."""

    _name = "account.einvoice.chorus.service"
    _description = "Chorus Pro Service"
    _order = "partner_id, code"

    partner_id = fields.Many2one(
        "res.partner", required=True, ondelete="cascade", index=True
    )
    code = fields.Char(required=True)
    name = fields.Char()
    chorus_id = fields.Char(string="Chorus Pro ID")
    active = fields.Boolean(default=True)
    commitment_required = fields.Boolean(
        help="Invoices to this service need a commitment number."
    )

    _unique_code = models.Constraint(
        "UNIQUE (partner_id, code)", "A buyer's service codes are unique."
    )
