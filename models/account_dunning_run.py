# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Open customer invoices of a company with the next level of their
# customer's policy and the day it is due: the level's offset from the due
# date, and at least the gap between the two levels after the last reminder.
# One row per invoice for that ladder (offset_from 'due_date', level_id null
# when none is left), plus one per discount reminder level not sent yet for
# the invoices whose early-payment discount is still open on %(date)s: due
# its offset before the deadline of the discount tier then running.
NEXT_LEVEL_QUERY = """
WITH open_invoice AS (
    SELECT m.id, m.commercial_partner_id AS partner_id, m.invoice_date_due,
           m.dunning_level_id, m.dunning_last_date, m.dunning_promised_until,
           m.amount_residual, m.amount_residual_signed, m.payment_state,
           m.early_discount_tiers, m.invoice_payment_term_id
      FROM account_move m
     WHERE m.company_id = %(company_id)s
       AND m.move_type = 'out_invoice'
       AND m.state = 'posted'
       AND m.payment_state IN ('not_paid', 'partial')
       AND m.invoice_date_due IS NOT NULL
       AND NOT COALESCE(m.dunning_excluded, FALSE)
       AND NOT COALESCE(m.dunning_in_dispute, FALSE)
       AND (%(move_ids)s::int[] IS NULL
            OR m.id IN (SELECT unnest(%(move_ids)s::int[])))
),
partner_policy AS (
    SELECT DISTINCT ON (p.id) p.id AS partner_id, pol.id AS policy_id
      FROM (SELECT DISTINCT partner_id FROM open_invoice) o
      JOIN res_partner p ON p.id = o.partner_id
      JOIN account_dunning_policy pol
        ON pol.company_id = %(company_id)s AND pol.active
     WHERE pol.id = p.dunning_policy_id
        OR (
            (pol.customer_type IS NULL
             OR pol.customer_type = p.receivable_customer_type)
            AND (
                NOT EXISTS (SELECT 1 FROM account_dunning_policy_country_rel r
                             WHERE r.policy_id = pol.id)
                OR EXISTS (SELECT 1 FROM account_dunning_policy_country_rel r
                            WHERE r.policy_id = pol.id AND r.country_id = p.country_id)
            )
            AND (
                NOT EXISTS (SELECT 1 FROM account_dunning_policy_category_rel r
                             WHERE r.policy_id = pol.id)
                OR EXISTS (SELECT 1 FROM account_dunning_policy_category_rel r
                             JOIN res_partner_res_partner_category_rel pc
                               ON pc.category_id = r.category_id
                            WHERE r.policy_id = pol.id AND pc.partner_id = p.id)
            )
        )
     ORDER BY p.id, pol.id = p.dunning_policy_id DESC NULLS LAST,
              COALESCE(pol.is_default, FALSE), pol.sequence, pol.id
)
SELECT o.id AS move_id, o.partner_id, nxt.id AS level_id,
       'due_date' AS offset_from,
       GREATEST(
           o.invoice_date_due + nxt.offset_days,
           o.dunning_last_date + (nxt.offset_days - cur.offset_days)
       ) AS next_date,
       o.invoice_date_due, o.dunning_promised_until,
       o.amount_residual, o.amount_residual_signed
  FROM open_invoice o
  JOIN partner_policy pp ON pp.partner_id = o.partner_id
  LEFT JOIN account_dunning_level cur ON cur.id = o.dunning_level_id
  LEFT JOIN LATERAL (
        SELECT l.id, l.offset_days
          FROM account_dunning_level l
         WHERE l.policy_id = pp.policy_id
           AND l.offset_from = 'due_date'
           AND (cur.id IS NULL OR l.offset_days > cur.offset_days)
           -- a reminder before the due date is pointless once it has passed
           AND (l.offset_days > 0 OR o.invoice_date_due >= %(date)s)
         ORDER BY l.offset_days
         LIMIT 1
  ) nxt ON TRUE
UNION ALL
SELECT o.id, o.partner_id, l.id, l.offset_from, tier.last_day + l.offset_days,
       o.invoice_date_due, o.dunning_promised_until,
       o.amount_residual, o.amount_residual_signed
  FROM open_invoice o
  JOIN partner_policy pp ON pp.partner_id = o.partner_id
  JOIN account_dunning_level l
    ON l.policy_id = pp.policy_id AND l.offset_from = 'discount_date'
  JOIN account_payment_term term
    ON term.id = o.invoice_payment_term_id AND term.early_discount
  -- the tier a payment on the day earns: the first whose last day is not past
  JOIN LATERAL (
        SELECT (t.tier ->> 0)::date AS last_day
          FROM jsonb_array_elements(o.early_discount_tiers) t(tier)
         WHERE (t.tier ->> 0)::date >= %(date)s
         ORDER BY 1
         LIMIT 1
  ) tier ON TRUE
 -- a discount is lost once anything is paid
 WHERE o.payment_state = 'not_paid'
   AND jsonb_typeof(o.early_discount_tiers) = 'array'
   AND NOT EXISTS (
        SELECT 1
          FROM account_dunning_communication_line sent
         WHERE sent.move_id = o.id AND sent.level_id = l.id AND NOT sent.is_preview
   )
"""


class AccountDunningRun(models.Model):
    """One pass over a company's open invoices: each invoice whose next
    level is due moves up one level, and each customer gets one
    communication for all of them."""

    _name = "account.dunning.run"
    _description = "Dunning run"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    dry_run = fields.Boolean(
        help="Shows what the run would send without sending or changing anything."
    )
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Done")], default="draft", required=True
    )
    communication_ids = fields.One2many("account.dunning.communication", "run_id")
    communication_count = fields.Integer(compute="_compute_communication_count")

    @api.depends("date", "dry_run")
    def _compute_name(self):
        for run in self:
            run.name = (
                self.env._("Preview of %(date)s", date=run.date)
                if run.dry_run
                else self.env._("Run of %(date)s", date=run.date)
            )

    @api.depends("communication_ids")
    def _compute_communication_count(self):
        for run in self:
            run.communication_count = len(run.communication_ids)

    def action_run(self):
        """Select the invoices due for their next level and create the
        customers' communications (and, unless a dry run, move the invoices
        up)."""
        for run in self:
            if run.state == "done":
                raise UserError(self.env._("This dunning run is done already."))
            if not run.dry_run:
                run._settle_promises()
            due = run._due_invoices()
            held = run._partners_to_reconcile_first(due)
            if held and not run.dry_run:
                run._ask_to_reconcile(held)
            run._create_communications(
                {
                    partner: items
                    for partner, items in due.items()
                    if partner not in held
                }
            )
            run.state = "done"
        return True

    def _settle_promises(self):
        """Close the promises kept or broken by the run's date; a broken one
        lets its invoice's reminders resume."""
        self.env["account.payment.promise"].search(
            [("state", "=", "open"), ("company_id", "=", self.company_id.id)]
        )._settle(self.date)

    def _due_invoices(self):
        """Return ``{partner_id: [(move_id, level_id, amount_residual)]}`` of
        the invoices whose next level is due on the run's date, for
        customers owing at least the level's minimum amount (overdue; for a
        level before the due date, coming due)."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH next_level AS (%(query)s),
                debt AS (
                    -- each invoice has one row of the due-date ladder
                    SELECT n.*,
                           SUM(n.amount_residual_signed)
                               FILTER (WHERE n.offset_from = 'due_date')
                               OVER (PARTITION BY n.partner_id) AS open_amount,
                           COALESCE(
                               SUM(n.amount_residual_signed)
                                   FILTER (WHERE n.offset_from = 'due_date'
                                             AND n.invoice_date_due < %(date)s)
                                   OVER (PARTITION BY n.partner_id),
                               0
                           ) AS overdue
                      FROM next_level n
                )
                SELECT n.move_id, n.partner_id, n.level_id, n.amount_residual
                  FROM debt n
                  JOIN account_dunning_level l ON l.id = n.level_id
                 WHERE n.next_date <= %(date)s
                   AND (n.dunning_promised_until IS NULL
                        OR n.dunning_promised_until < %(date)s)
                   AND COALESCE(l.min_amount, 0) <= CASE
                           WHEN l.offset_days > 0 THEN n.overdue
                           ELSE n.open_amount
                       END
                 ORDER BY n.partner_id, n.move_id, n.level_id
                """,
                query=SQL(
                    NEXT_LEVEL_QUERY,
                    company_id=self.company_id.id,
                    move_ids=None,
                    date=self.date,
                ),
                date=self.date,
            )
        )
        due = defaultdict(list)
        for move_id, partner_id, level_id, amount in self.env.cr.fetchall():
            due[partner_id].append((move_id, level_id, amount))
        return due

    def _partners_to_reconcile_first(self, due):
        """Customers not to remind: their balance is nil or in their favour,
        or their unmatched payments and credit notes cover what is overdue."""
        if not due:
            return set()
        self.env.cr.execute(
            SQL(
                """
                SELECT partner.commercial_partner_id,
                       SUM(aml.amount_residual) AS balance,
                       -SUM(LEAST(aml.amount_residual, 0)) AS credits,
                       SUM(aml.amount_residual) FILTER (
                           WHERE aml.amount_residual > 0
                             AND COALESCE(aml.date_maturity, aml.date) < %(date)s
                       ) AS overdue
                  FROM account_move_line aml
                  JOIN account_account account ON account.id = aml.account_id
                  JOIN res_partner partner ON partner.id = aml.partner_id
                 WHERE aml.company_id = %(company_id)s
                   AND account.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                   AND NOT aml.reconciled
                   AND partner.commercial_partner_id IN (
                           SELECT unnest(%(partner_ids)s::int[])
                       )
                 GROUP BY partner.commercial_partner_id
                """,
                date=self.date,
                company_id=self.company_id.id,
                partner_ids=list(due),
            )
        )
        return {
            partner_id
            for partner_id, balance, credits, overdue in self.env.cr.fetchall()
            if balance <= 0 or (overdue and credits >= overdue)
        }

    def _ask_to_reconcile(self, partner_ids):
        """Give the accountant a task per customer, once."""
        summary = self.env._("Reconcile payments before any reminder")
        partners = self.env["res.partner"].browse(partner_ids)
        already = set(
            self.env["mail.activity"]
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("summary", "=", summary),
                ]
            )
            .mapped("res_id")
        )
        for partner in partners.filtered(lambda p: p.id not in already):
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=self.env._(
                    "Dunning held back: the customer's balance is nil or in its "
                    "favour, or its unmatched payments cover what is overdue."
                ),
                user_id=self.env.user.id,
                date_deadline=self.date,
            )

    def _create_communications(self, due):
        self.ensure_one()
        if not due:
            return
        levels = self.env["account.dunning.level"].browse(
            {level_id for items in due.values() for _move, level_id, _amount in items}
        )
        ranks = {level.id: level._rank() for level in levels}
        communications = (
            self.env["account.dunning.communication"]
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(
                [
                    self._communication_values(
                        partner_id,
                        levels.browse(
                            max((level for _m, level, _a in items), key=ranks.get)
                        ),
                    )
                    for partner_id, items in due.items()
                ]
            )
            .with_env(self.env)
        )
        by_partner = {
            communication.partner_id.id: communication
            for communication in communications
        }
        rows = [
            (by_partner[partner_id].id, move_id, level_id, self.dry_run, amount)
            for partner_id, items in due.items()
            for move_id, level_id, amount in items
        ]
        inserted = self._insert_lines(rows)
        if self.dry_run:
            return
        # A concurrent run may have reminded some of them first: keep only
        # what this run inserted.
        kept = {communication_id for communication_id, _move_id in inserted}
        communications.filtered(lambda c: c.id not in kept).unlink()
        self._move_up([move_id for _c, move_id in inserted])
        communications.exists()._enqueue_sending()

    def _communication_values(self, partner_id, level):
        if self.dry_run:
            state = "preview"
        else:
            state = "to_send" if level.auto_send else "to_review"
        return {
            "run_id": self.id,
            "partner_id": partner_id,
            "level_id": level.id,
            "state": state,
        }

    def _insert_lines(self, rows):
        """Insert the communication lines; a line of an invoice and level
        already reminded (by this or a concurrent run) is left out by the
        database. Return the (communication_id, move_id) inserted."""
        inserted = []
        for start in range(0, len(rows), 5000):
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO account_dunning_communication_line
                           (communication_id, move_id, level_id, is_preview,
                            amount_residual, date, state,
                            create_uid, write_uid, create_date, write_date)
                    SELECT v.communication_id, v.move_id, v.level_id, v.is_preview,
                           v.amount, r.date, c.state,
                           %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC',
                           now() AT TIME ZONE 'UTC'
                      FROM (VALUES %(values)s) AS v(communication_id, move_id,
                                                   level_id, is_preview, amount)
                      JOIN account_dunning_communication c ON c.id = v.communication_id
                      JOIN account_dunning_run r ON r.id = c.run_id
                    ON CONFLICT (move_id, level_id) WHERE NOT is_preview DO NOTHING
                    RETURNING communication_id, move_id
                    """,
                    uid=self.env.uid,
                    values=SQL(", ").join(
                        SQL("(%s, %s, %s, %s, %s::numeric)", *row)
                        for row in rows[start : start + 5000]
                    ),
                )
            )
            inserted += self.env.cr.fetchall()
        self.env["account.dunning.communication.line"].invalidate_model()
        self.env["account.dunning.communication"].invalidate_model()
        return inserted

    def _move_up(self, move_ids):
        """Record the level reached and the next level's date on the invoices
        (a discount reminder is not a step of the ladder)."""
        if not move_ids:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move m
                   SET dunning_level_id = l.level_id, dunning_last_date = %(date)s
                  FROM account_dunning_communication_line l
                  JOIN account_dunning_communication c ON c.id = l.communication_id
                  JOIN account_dunning_level level ON level.id = l.level_id
                 WHERE c.run_id = %(run_id)s AND l.move_id = m.id
                   AND level.offset_from = 'due_date'
                """,
                date=self.date,
                run_id=self.id,
                move_ids=move_ids,
            )
        )
        moves = self.env["account.move"].browse(move_ids)
        moves.invalidate_recordset(["dunning_level_id", "dunning_last_date"])
        moves._refresh_dunning_next_date(self.date)

    @api.model
    def _cron_run(self):
        """Daily run for every company with a dunning policy."""
        companies = (
            self.env["account.dunning.policy"]
            .search([("level_ids", "!=", False)])
            .company_id
        )
        for company in companies:
            run = self.create({"company_id": company.id})
            run.action_run()
