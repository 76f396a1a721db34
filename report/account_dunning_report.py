# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models, tools
from odoo.tools import SQL


class AccountDunningAgeingReport(models.Model):
    """Open customer invoices by ageing bucket, for graphs and pivots."""

    _name = "account.dunning.ageing.report"
    _description = "Receivables ageing"
    _auto = False
    _order = "days_overdue desc"

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("account.dunning.level", readonly=True)
    bucket = fields.Selection(
        [
            ("0_not_due", "Not due"),
            ("1_30", "1-30 days"),
            ("31_60", "31-60 days"),
            ("61_90", "61-90 days"),
            ("over_90", "Over 90 days"),
        ],
        readonly=True,
    )
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_residual = fields.Monetary(string="Amount Due", readonly=True)
    amount_overdue = fields.Monetary(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(table)s AS
                SELECT m.id, m.id AS move_id, m.company_id,
                       m.commercial_partner_id AS partner_id,
                       m.dunning_level_id AS level_id,
                       CASE
                           WHEN late.days <= 0 THEN '0_not_due'
                           WHEN late.days <= 30 THEN '1_30'
                           WHEN late.days <= 60 THEN '31_60'
                           WHEN late.days <= 90 THEN '61_90'
                           ELSE 'over_90'
                       END AS bucket,
                       GREATEST(late.days, 0) AS days_overdue,
                       company.currency_id,
                       m.amount_residual_signed AS amount_residual,
                       CASE WHEN late.days > 0 THEN m.amount_residual_signed ELSE 0 END
                           AS amount_overdue
                  FROM account_move m
                  JOIN res_company company ON company.id = m.company_id
                  CROSS JOIN LATERAL (
                        SELECT CURRENT_DATE - m.invoice_date_due AS days
                  ) late
                 WHERE m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.payment_state IN ('not_paid', 'partial')
                """,
                table=SQL.identifier(self._table),
            )
        )


class AccountDunningLevelReport(models.Model):
    """Each reminder sent and whether its invoice was paid within 15 days:
    the share per level tells which levels work."""

    _name = "account.dunning.level.report"
    _description = "Dunning level effectiveness"
    _auto = False

    level_id = fields.Many2one("account.dunning.level", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    date = fields.Date(string="Sent on", readonly=True)
    paid_within_15_days = fields.Float(
        string="Paid within 15 Days (share)",
        readonly=True,
        aggregator="avg",
        help="1 when the invoice was fully paid within 15 days after the "
        "reminder; the average is the share of such invoices.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(table)s AS
                SELECT line.id, line.level_id, c.company_id, c.partner_id,
                       line.move_id, line.date,
                       CASE WHEN m.payment_state IN ('paid', 'in_payment')
                                 AND paid.last_date <= line.date + 15
                            THEN 1.0 ELSE 0.0 END AS paid_within_15_days
                  FROM account_dunning_communication_line line
                  JOIN account_dunning_communication c ON c.id = line.communication_id
                  JOIN account_move m ON m.id = line.move_id
                  LEFT JOIN LATERAL (
                        SELECT MAX(partial.max_date) AS last_date
                          FROM account_move_line term
                          JOIN account_partial_reconcile partial
                            ON partial.debit_move_id = term.id
                         WHERE term.move_id = m.id
                  ) paid ON TRUE
                 WHERE NOT line.is_preview AND c.state = 'sent'
                """,
                table=SQL.identifier(self._table),
            )
        )
