# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class AccountDunningCommunication(models.Model):
    """What one run sends to one customer: a single message whose tone is
    that of its most advanced invoice."""

    _name = "account.dunning.communication"
    _description = "Dunning communication"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    run_id = fields.Many2one(
        "account.dunning.run", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    date = fields.Date(related="run_id.date", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    level_id = fields.Many2one("account.dunning.level", required=True)
    state = fields.Selection(
        [
            ("preview", "Preview"),
            ("to_review", "To Review"),
            ("to_send", "To Send"),
            ("sent", "Sent"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        index=True,
        tracking=True,
    )
    line_ids = fields.One2many(
        "account.dunning.communication.line", "communication_id", string="Invoices"
    )
    move_ids = fields.Many2many(
        "account.move", compute="_compute_move_ids", string="Invoices Reminded"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_residual = fields.Monetary(
        string="Amount Reminded", compute="_compute_amount_residual", store=True
    )

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for communication in self:
            communication.move_ids = communication.line_ids.move_id

    @api.depends("line_ids.amount_residual")
    def _compute_amount_residual(self):
        for communication in self:
            communication.amount_residual = sum(
                communication.line_ids.mapped("amount_residual")
            )


class AccountDunningCommunicationLine(models.Model):
    """An invoice reminded at a level: its dunning history, one row per
    level, which the database keeps unique so that no level is ever sent
    twice for the same invoice."""

    _name = "account.dunning.communication.line"
    _description = "Dunning communication line"
    _order = "id"

    communication_id = fields.Many2one(
        "account.dunning.communication", required=True, index=True, ondelete="cascade"
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    level_id = fields.Many2one("account.dunning.level", required=True, index=True)
    is_preview = fields.Boolean(readonly=True)
    date = fields.Date(related="communication_id.date", store=True)
    state = fields.Selection(related="communication_id.state", store=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_residual = fields.Monetary(
        string="Amount Due", help="The amount left to pay when the run selected it."
    )

    _move_level_uniq = models.UniqueIndex(
        "(move_id, level_id) WHERE NOT is_preview",
        "This invoice was already reminded at this level.",
    )
