# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models
from odoo.exceptions import UserError

FACTURX_EDI = "facturx_checked"
CHORUS_PRO_EDI = "chorus_pro"
# The extra EDI of each channel type that Send & Print offers.
CHANNEL_EDIS = {
    "chorus_pro": CHORUS_PRO_EDI,
    "pa": "einvoice_pa",
    "sftp": "einvoice_sftp",
}


class AccountMoveSend(models.AbstractModel):
    """Send & Print makes the invoice PDF a checked Factur-X, and renders
    the PDFs of a batch in one run.

    Odoo's own hook embeds an unchecked ``factur-x.xml`` in every invoice
    PDF; when our option is on, the PDF as rendered is wrapped with our
    checked XML instead, and an invalid invoice is not sent at all.
    """

    _inherit = "account.move.send"

    @api.model
    def _get_all_extra_edis(self):
        edis = super()._get_all_extra_edis()
        edis[FACTURX_EDI] = {
            "label": self.env._("Factur-X"),
            "is_applicable": lambda move: move._facturx_applicable(),
            "help": self.env._(
                "Make the PDF a Factur-X e-invoice (PDF/A-3 with its XML), "
                "checked against the official and French rules first."
            ),
        }
        helps = {
            "chorus_pro": (
                self.env._("Chorus Pro"),
                self.env._(
                    "Deposit the Factur-X on Chorus Pro and follow it to payment."
                ),
            ),
            "pa": (
                self.env._("Approved platform"),
                self.env._(
                    "Send the e-invoice through the company's approved platform "
                    "(Peppol for foreign customers) and follow its lifecycle."
                ),
            ),
            "sftp": (
                self.env._("SFTP drop"),
                self.env._(
                    "Drop the e-invoice on the customer's SFTP server and "
                    "follow its acknowledgement."
                ),
            ),
        }
        for channel_type, (label, help_text) in helps.items():
            edis[CHANNEL_EDIS[channel_type]] = {
                "label": label,
                "is_applicable": lambda move, channel_type=channel_type: (
                    move._einvoice_routed_to(channel_type)
                ),
                "help": help_text,
            }
        return edis

    @api.model
    def _get_default_extra_edis(self, move):
        """Factur-X is ticked for companies only: a consumer's invoice is not
        an e-invoice, and has no electronic address to carry."""
        edis = super()._get_default_extra_edis(move)
        if not move.commercial_partner_id.is_company:
            edis.discard(FACTURX_EDI)
        return edis

    @api.model
    def _call_web_service_after_invoice_pdf_render(self, invoices_data):
        result = super()._call_web_service_after_invoice_pdf_render(invoices_data)
        for invoice, invoice_data in invoices_data.items():
            if not set(CHANNEL_EDIS.values()) & set(
                invoice_data.get("extra_edis") or ()
            ):
                continue
            try:
                invoice.action_einvoice_send()
            except UserError as error:
                invoice_data["error"] = {
                    "error_title": self.env._("E-invoice"),
                    "errors": [str(error)],
                }
        return result

    @api.model
    def _send_mail(self, move, mail_template, **kwargs):
        result = super()._send_mail(move, mail_template, **kwargs)
        if not self.env.context.get("einvoice_transmission_id"):
            message = move.message_ids.filtered(lambda m: m.message_type == "comment")
            move._einvoice_record_email(message[:1])
        return result

    @api.model
    def _prepare_invoice_pdf_report(self, invoices_data):
        """Render a batch of invoices in one wkhtmltopdf run, also with the
        single-document wkhtmltopdf Debian ships, where Odoo's batch fails."""
        if len(invoices_data) < 2:
            return super()._prepare_invoice_pdf_report(invoices_data)
        moves = self.env["account.move"].union(*invoices_data)
        pdfs = moves._facturx_render_pdfs(
            {move: data["pdf_report"] for move, data in invoices_data.items()}
        )
        for invoice, invoice_data in invoices_data.items():
            invoice_data["pdf_attachment_values"] = {
                "name": invoice._get_invoice_report_filename(
                    report=invoice_data["pdf_report"]
                ),
                "raw": pdfs[invoice.id],
                "mimetype": "application/pdf",
                "res_model": invoice._name,
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }

    @api.model
    def _hook_invoice_document_before_pdf_report_render(self, invoice, invoice_data):
        super()._hook_invoice_document_before_pdf_report_render(invoice, invoice_data)
        if FACTURX_EDI not in (invoice_data.get("extra_edis") or ()):
            return
        xml, report = invoice._facturx_check()[invoice]
        if report.blocking:
            invoice_data["error"] = {
                "error_title": self.env._(
                    "The Factur-X of %(invoice)s breaks these rules:",
                    invoice=invoice.name,
                ),
                "errors": [
                    f"{finding.rule_id}: {finding.message}"
                    for finding in report.blocking
                ],
            }
        elif invoice.invoice_pdf_report_id:
            # Odoo does not render a PDF it already has: wrap that one.
            invoice._facturx_attach({invoice: xml})
        else:
            invoice_data["facturx_xml"] = xml

    @api.model
    def _hook_invoice_document_after_pdf_report_render(self, invoice, invoice_data):
        pdf_values = invoice_data.get("pdf_attachment_values")
        rendered = pdf_values and pdf_values["raw"]
        result = super()._hook_invoice_document_after_pdf_report_render(
            invoice, invoice_data
        )
        if rendered and invoice_data.get("facturx_xml"):
            pdf_values["raw"] = invoice._facturx_pdf(
                rendered, invoice_data["facturx_xml"]
            )
            pdf_values["name"] = invoice._facturx_filename()
        return result
