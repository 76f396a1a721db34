# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import http
from odoo.http import request

from ..connectors.errors import PermanentError

_logger = logging.getLogger(__name__)


class EinvoiceWebhookController(http.Controller):
    @http.route(
        "/account_receivable_gateway/pa/<int:channel_id>/webhook",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def pa_webhook(self, channel_id, **kwargs):
        """Notifications of an approved platform. The answer leaves after the
        request's transaction is committed: a platform that gets no 2xx
        sends again, and polling covers what never arrives."""
        channel = (
            request.env["account.einvoice.channel"]
            .sudo()
            .search([("id", "=", channel_id), ("channel_type", "=", "pa")])
        )
        if not channel:
            return request.make_json_response({"error": "unknown channel"}, status=404)
        try:
            channel._pa_webhook(
                request.httprequest.get_data(), dict(request.httprequest.headers)
            )
        except PermanentError as error:
            _logger.warning(
                "Refused a notification for channel %s: %s", channel_id, error
            )
            return request.make_json_response({"error": str(error)}, status=401)
        return request.make_json_response({"status": "accepted"}, status=202)
