# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import api, fields, models


class AccountDunningCommunication(models.Model):
    """What one run sends to one customer: a single message whose tone is
    that of its most advanced invoice."""

    _name = "account.dunning.communication"
    _description = "Dunning communication"
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
    registered_post = fields.Boolean(
        readonly=True, help="The letter is a formal notice to send by registered post."
    )
    letter_attachment_id = fields.Many2one("ir.attachment", readonly=True, copy=False)
    sent_date = fields.Datetime(readonly=True, copy=False)

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for communication in self:
            communication.move_ids = communication.line_ids.move_id

    @api.depends("line_ids.amount_residual")
    def _compute_amount_residual(self):
        # An invoice reminded at two levels at once (a step of the ladder and
        # a discount reminder) counts once.
        for communication in self:
            communication.amount_residual = sum(
                {
                    line.move_id: line.amount_residual
                    for line in communication.line_ids
                }.values()
            )

    # Sending: in queue_job jobs, in batches, never in the user's request.

    def _enqueue_sending(self, batch_size=50):
        """Send the communications waiting to go out, in background jobs."""
        to_send = self.filtered(lambda communication: communication.state == "to_send")
        for start in range(0, len(to_send), batch_size):
            batch = to_send[start : start + batch_size]
            batch.with_delay(
                channel="root.dunning",
                description=self.env._(
                    "Send %(count)s dunning communications", count=len(batch)
                ),
            )._send()

    def action_send(self):
        """Approve reviewed communications and send them in the background."""
        self.filtered(lambda c: c.state == "to_review").state = "to_send"
        self._enqueue_sending()

    def action_cancel(self):
        self.filtered(lambda c: c.state in ("to_review", "to_send")).state = "cancelled"

    def _send(self):
        """Carry out each communication's level: email or letter, call and
        hand-over activities. A communication whose invoices were all paid
        meanwhile is cancelled instead."""
        today = fields.Date.context_today(self)
        for communication in self.filtered(lambda c: c.state == "to_send"):
            if not communication.move_ids.filtered(
                lambda move: move.payment_state in ("not_paid", "partial")
            ) or (
                communication.level_id.offset_from == "discount_date"
                and not communication._early_discount_offers(today)
            ):
                communication.state = "cancelled"
                continue
            communication._send_one()
            communication.write({"state": "sent", "sent_date": fields.Datetime.now()})

    def _send_one(self):
        self.ensure_one()
        level = self.level_id
        partner = self.partner_id
        send_letter = level.send_letter
        if level.send_email and not partner.email:
            send_letter = True
            self.message_post(
                body=self.env._(
                    "%(customer)s has no email address: a letter is prepared instead "
                    "and someone must send it.",
                    customer=partner.display_name,
                )
            )
            self._schedule_activity(
                self.env._("Send the dunning letter by post"), self._collector()
            )
        elif level.send_email:
            self._post_email(self._email_attachments())
        if send_letter:
            self._render_letter()
        if level.phone_call:
            self._schedule_activity(
                self.env._(
                    "Call %(customer)s about overdue invoices", customer=partner.name
                ),
                self._collector(),
                activity_xmlid="mail.mail_activity_data_call",
            )
        if level.litigation:
            self._schedule_activity(
                self.env._(
                    "Hand over %(customer)s to litigation", customer=partner.name
                ),
                self._litigation_manager(),
            )

    def _post_email(self, attachments):
        """Email the customer the level's template in the customer's
        language; a step of the ladder adds the early-payment discounts still
        open to the customer, so that a discount reminder grouped with it is
        not lost."""
        self.ensure_one()
        template = self._mail_template()
        rendered = {
            name: template._render_field(name, self.ids, compute_lang=True)[self.id]
            for name in ("subject", "body_html", "email_from")
        }
        body = Markup(rendered["body_html"])
        if self.level_id.offset_from == "due_date":
            lang = template._render_lang(self.ids)[self.id]
            in_lang = self.with_context(lang=lang)
            offers = in_lang._early_discount_offers()
            if offers:
                body += in_lang.env["ir.qweb"]._render(
                    "account_receivable_gateway.dunning_discount_offers",
                    {"offers": offers},
                )
        self.message_post(
            body=body,
            subject=rendered["subject"],
            email_from=rendered["email_from"],
            partner_ids=self.partner_id.ids,
            attachment_ids=attachments.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            mail_auto_delete=template.auto_delete,
        )

    def _mail_template(self):
        """The email of the communication's level: a discount reminder has
        its own."""
        self.ensure_one()
        if self.level_id.offset_from == "discount_date":
            return self.env.ref(
                "account_receivable_gateway.mail_template_dunning_discount"
            )
        return self.env.ref("account_receivable_gateway.mail_template_dunning")

    def _early_discount_offers(self, on_date=None):
        """The early-payment discounts still open on ``on_date`` (default:
        today) among the customer's open invoices, earliest deadline first:
        a list of dicts (``move`` and the keys of
        ``account.move._early_discount_offer``)."""
        self.ensure_one()
        on_date = on_date or fields.Date.context_today(self)
        offers = []
        for move in self._statement_lines().move_id:
            if offer := move._early_discount_offer(on_date):
                offers.append({"move": move, **offer})
        return sorted(offers, key=lambda offer: (offer["last_day"], offer["move"].id))

    def _collector(self):
        return (
            self.partner_id.user_id
            or self.company_id.dunning_collector_id
            or self.env.user
        )

    def _litigation_manager(self):
        managers = self.env.ref("account.group_account_manager").all_user_ids.filtered(
            lambda user: self.company_id in user.company_ids and not user.share
        )
        return managers[:1] or self.env.user

    def _schedule_activity(
        self, summary, user, activity_xmlid="mail.mail_activity_data_todo"
    ):
        self.activity_schedule(
            activity_xmlid, summary=summary, user_id=user.id, date_deadline=self.date
        )

    def _email_attachments(self):
        attachments = self.env["ir.attachment"]
        if self.level_id.attach_statement:
            statement = self.env.ref(
                "account_receivable_gateway.action_report_dunning_letter"
            )
            pdf, _type = statement._render_qweb_pdf(statement.report_name, self.ids)
            attachments |= self.env["ir.attachment"].create(
                {
                    "name": self.env._(
                        "Statement of account %(date)s.pdf", date=self.date
                    ),
                    "raw": pdf,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                }
            )
        if not self.level_id.attach_invoices:
            return attachments
        report = self.env.ref("account.account_invoices")
        for move in self.move_ids:
            pdf, _type = report._render_qweb_pdf(report.report_name, move.ids)
            attachments |= self.env["ir.attachment"].create(
                {
                    "name": f"{move._get_report_base_filename()}.pdf",
                    "raw": pdf,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                }
            )
        return attachments

    def _render_letter(self):
        report = self.env.ref("account_receivable_gateway.action_report_dunning_letter")
        pdf, _type = report._render_qweb_pdf(report.report_name, self.ids)
        self.write(
            {
                "registered_post": self.level_id.formal_notice,
                "letter_attachment_id": self.env["ir.attachment"]
                .create(
                    {
                        "name": self.env._(
                            "Dunning letter %(customer)s %(date)s.pdf",
                            customer=self.partner_id.name,
                            date=self.date,
                        ),
                        "raw": pdf,
                        "res_model": self._name,
                        "res_id": self.id,
                        "mimetype": "application/pdf",
                    }
                )
                .id,
            }
        )

    def _statement_lines(self):
        """The customer's open items for the message: invoices overdue and
        coming due, credit notes and payments not yet matched."""
        self.ensure_one()
        return self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("partner_id", "child_of", self.partner_id.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
            ],
            order="date_maturity, id",
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
