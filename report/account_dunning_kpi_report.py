# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.tools import SQL

# One row per company and calendar month, up to the "as of" day (the last
# month ends on it). Counted: posted customer invoices and credit notes, their
# receivable lines (instalments) in company currency, and the matches that
# settled them (payments, credit notes, write-offs) on the day of the match.
# Each invoice, credit note and match is an event with the day it changes the
# receivables and the day it changes the overdue amount (the day after the
# instalment's due date, or later); months sum the events and running sums
# give the balances at each month's end.
KPI_QUERY = """
WITH receivable_line AS (
    SELECT line.id, line.company_id, line.date, line.balance,
           COALESCE(line.date_maturity, line.date) AS due_date
      FROM account_move_line line
      JOIN account_move move ON move.id = line.move_id
     WHERE move.state = 'posted'
       AND move.move_type IN ('out_invoice', 'out_refund')
       AND line.display_type = 'payment_term'
       AND line.company_id IN (SELECT unnest(%(company_ids)s::int[]))
       AND line.date <= %(as_of)s
),
event AS (
    SELECT company_id, date AS day, GREATEST(date, due_date + 1) AS overdue_day,
           balance AS amount, balance AS invoiced
      FROM receivable_line
    UNION ALL
    SELECT line.company_id, partial.max_date,
           GREATEST(partial.max_date, line.due_date + 1), -partial.amount, 0
      FROM receivable_line line
      JOIN account_partial_reconcile partial ON partial.debit_move_id = line.id
     WHERE partial.max_date <= %(as_of)s
    UNION ALL
    SELECT line.company_id, partial.max_date,
           GREATEST(partial.max_date, line.due_date + 1), partial.amount, 0
      FROM receivable_line line
      JOIN account_partial_reconcile partial ON partial.credit_move_id = line.id
     WHERE partial.max_date <= %(as_of)s
),
month AS (
    SELECT first.company_id, start::date AS month_start,
           LEAST((start + INTERVAL '1 month - 1 day')::date, %(as_of)s) AS month_end
      FROM (SELECT company_id, MIN(day) AS day FROM event GROUP BY company_id) first
     CROSS JOIN LATERAL generate_series(
           date_trunc('month', first.day),
           date_trunc('month', %(as_of)s::date),
           INTERVAL '1 month'
     ) start
),
by_day AS (
    SELECT company_id, date_trunc('month', day)::date AS month_start,
           SUM(invoiced) AS invoiced, SUM(amount) AS change
      FROM event
     GROUP BY 1, 2
),
by_overdue_day AS (
    SELECT company_id, date_trunc('month', overdue_day)::date AS month_start,
           SUM(amount) AS change
      FROM event
     WHERE overdue_day <= %(as_of)s
     GROUP BY 1, 2
),
monthly AS (
    SELECT month.company_id, month.month_start, month.month_end,
           month.month_end - month.month_start + 1 AS days,
           COALESCE(d.invoiced, 0) AS invoiced,
           COALESCE(d.change, 0) AS change,
           SUM(COALESCE(d.change, 0)) OVER running AS receivable_end,
           SUM(COALESCE(o.change, 0)) OVER running AS overdue_end
      FROM month
      LEFT JOIN by_day d
        ON d.company_id = month.company_id AND d.month_start = month.month_start
      LEFT JOIN by_overdue_day o
        ON o.company_id = month.company_id AND o.month_start = month.month_start
    WINDOW running AS (PARTITION BY month.company_id ORDER BY month.month_start)
),
-- DSO by the countback method: the month's receivables are matched against
-- the invoicing of that month, then of the months before, each month fully
-- covered counting all its days and the last one pro rata.
countback AS (
    SELECT p.company_id, p.month_start, p.receivable_end AS receivable,
           GREATEST(q.invoiced, 0) AS invoiced, q.days,
           COALESCE(SUM(GREATEST(q.invoiced, 0)) OVER later, 0) AS invoiced_later,
           COALESCE(SUM(q.days) OVER later, 0) AS days_later
      FROM monthly p
      JOIN monthly q ON q.company_id = p.company_id AND q.month_start <= p.month_start
    WINDOW later AS (
        PARTITION BY p.company_id, p.month_start ORDER BY q.month_start DESC
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    )
),
dso AS (
    SELECT company_id, month_start,
           CASE
               WHEN MAX(receivable) <= 0 THEN 0
               ELSE COALESCE(
                   MIN(days_later + (receivable - invoiced_later) / invoiced * days)
                       FILTER (WHERE invoiced > 0
                                 AND receivable > invoiced_later
                                 AND receivable <= invoiced_later + invoiced),
                   -- more due than all the months invoiced: all their days
                   SUM(days)
               )
           END AS dso
      FROM countback
     GROUP BY company_id, month_start
)
SELECT ((EXTRACT(YEAR FROM m.month_start)::int * 12
         + EXTRACT(MONTH FROM m.month_start)::int) * 10000 + m.company_id) AS id,
       m.company_id, company.currency_id,
       m.month_start AS date, m.month_end AS date_end,
       m.invoiced, m.invoiced - m.change AS collected,
       m.receivable_end - m.change AS receivable_start,
       m.receivable_end, m.overdue_end,
       m.receivable_end - m.overdue_end AS current_end,
       ROUND(dso.dso, 2) AS dso,
       CASE
           WHEN m.invoiced - m.change + m.overdue_end > 0
           THEN ROUND(100 * (m.invoiced - m.change)
                      / (m.invoiced - m.change + m.overdue_end), 2)
       END AS cei,
       CASE
           WHEN m.receivable_end > 0
           THEN ROUND(100 * m.overdue_end / m.receivable_end, 2)
       END AS overdue_ratio
  FROM monthly m
  JOIN dso ON dso.company_id = m.company_id AND dso.month_start = m.month_start
  JOIN res_company company ON company.id = m.company_id
"""


class AccountDunningKpiReport(models.Model):
    """Collection KPIs per company and month: DSO by the countback method,
    collection effectiveness index (CEI) and overdue ratio.

    Figures are in company currency, from posted customer invoices and
    credit notes and what settled them, as they stood at the end of each
    month; the current month runs to the "as of" day (today, or the context
    key ``kpi_date``). Unmatched payments do not reduce the receivables until
    they are matched with an invoice.
    """

    _name = "account.dunning.kpi.report"
    _description = "Collection KPIs"
    _auto = False
    _order = "date desc, company_id"
    _depends = {
        "account.move": ["state", "move_type"],
        "account.move.line": [
            "move_id",
            "company_id",
            "date",
            "date_maturity",
            "balance",
            "display_type",
        ],
        "account.partial.reconcile": [
            "debit_move_id",
            "credit_move_id",
            "amount",
            "max_date",
        ],
    }

    date = fields.Date(string="Month", readonly=True)
    date_end = fields.Date(
        string="Figures At",
        readonly=True,
        help="The month's last day, or the day the figures were computed for "
        "the current month.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    invoiced = fields.Monetary(
        readonly=True,
        help="Customer invoices less credit notes dated in the month, taxes included.",
    )
    collected = fields.Monetary(
        readonly=True,
        help="Receivables settled in the month: payments and write-offs matched "
        "with invoices.",
    )
    receivable_start = fields.Monetary(
        string="Receivables at Start",
        readonly=True,
        aggregator="avg",
        help="Open invoices less open credit notes the day before the month "
        "starts. Grouped over several months: their average.",
    )
    receivable_end = fields.Monetary(
        string="Receivables",
        readonly=True,
        aggregator="avg",
        help="Open invoices less open credit notes at the end of the month. "
        "Grouped over several months: their average.",
    )
    overdue_end = fields.Monetary(
        string="Overdue",
        readonly=True,
        aggregator="avg",
        help="The part of the receivables past its due date at the end of the "
        "month. Grouped over several months: their average.",
    )
    current_end = fields.Monetary(
        string="Not Yet Due",
        readonly=True,
        aggregator="avg",
        help="The part of the receivables not yet due at the end of the month. "
        "Grouped over several months: their average.",
    )
    dso = fields.Float(
        string="DSO (days)",
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="Days sales outstanding by the countback method: how many of the "
        "last days of invoicing the receivables at the end of the month "
        "represent, taking the month's invoicing, then each earlier month's, "
        "until they are used up. Grouped over several months: their average.",
    )
    cei = fields.Float(
        string="CEI (%)",
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="Collection effectiveness index: what was collected in the month "
        "out of what could be collected (receivables at start + invoiced - "
        "not yet due at the end), in percent. Empty when nothing could be "
        "collected. Grouped over several months: their average.",
    )
    overdue_ratio = fields.Float(
        string="Overdue Ratio (%)",
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="Overdue receivables out of all receivables at the end of the "
        "month, in percent. Grouped over several months: their average.",
    )

    @property
    def _table_query(self):
        return SQL(
            KPI_QUERY,
            company_ids=self.env.companies.ids,
            as_of=self._kpi_date(),
        )

    def _kpi_date(self):
        """The day the figures of the current month are computed for."""
        return fields.Date.to_date(
            self.env.context.get("kpi_date")
        ) or fields.Date.context_today(self)
