# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models, tools
from odoo.tools import SQL


class AccountDunningWorklist(models.Model):
    """The collector's manual actions: communications waiting for review and
    open activities (calls, letters to post, hand-overs), most urgent first
    (amount due x days overdue)."""

    _name = "account.dunning.worklist"
    _description = "Collection worklist"
    _auto = False
    _order = "priority desc, id"

    communication_id = fields.Many2one("account.dunning.communication", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    level_id = fields.Many2one("account.dunning.level", readonly=True)
    activity_summary = fields.Char(readonly=True)
    action = fields.Char(compute="_compute_action")
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    date_deadline = fields.Date(string="Due", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_residual = fields.Monetary(string="Amount Due", readonly=True)
    days_overdue = fields.Integer(readonly=True)
    priority = fields.Float(readonly=True, aggregator="sum")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(table)s AS
                SELECT c.id,
                       c.id AS communication_id,
                       c.company_id,
                       c.partner_id,
                       c.level_id,
                       a.summary AS activity_summary,
                       COALESCE(a.user_id, c.create_uid) AS user_id,
                       COALESCE(a.date_deadline, c.date) AS date_deadline,
                       company.currency_id,
                       c.amount_residual,
                       late.days_overdue,
                       c.amount_residual * GREATEST(late.days_overdue, 0) AS priority
                  FROM account_dunning_communication c
                  JOIN res_company company ON company.id = c.company_id
                  LEFT JOIN LATERAL (
                        SELECT activity.summary, activity.user_id,
                               activity.date_deadline
                          FROM mail_activity activity
                         WHERE activity.res_model = 'account.dunning.communication'
                           AND activity.res_id = c.id
                         ORDER BY activity.date_deadline
                         LIMIT 1
                  ) a ON TRUE
                  JOIN LATERAL (
                        SELECT MAX(CURRENT_DATE - m.invoice_date_due) AS days_overdue
                          FROM account_dunning_communication_line line
                          JOIN account_move m ON m.id = line.move_id
                         WHERE line.communication_id = c.id
                  ) late ON TRUE
                 WHERE c.state = 'to_review' OR a.user_id IS NOT NULL
                """,
                table=SQL.identifier(self._table),
            )
        )

    def _compute_action(self):
        for row in self:
            row.action = row.activity_summary or self.env._("Review and send")

    def action_open_communication(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.dunning.communication",
            "res_id": self.communication_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
