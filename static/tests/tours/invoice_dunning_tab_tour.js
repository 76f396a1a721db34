/* Copyright 2026 Account Receivable Gateway contributors
 * License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl). */
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("account_receivable_gateway_invoice_dunning_tab", {
    steps: () => [
        {
            content: "The posted invoice is open",
            trigger: ".o_form_view .o_field_widget[name='state'] .o_arrow_button_current:contains('Posted')",
        },
        {
            content: "Open the Dunning tab",
            trigger: ".o_notebook_headers a[name='dunning']",
            run: "click",
        },
        {
            content: "The invoice is 12 days overdue",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name='days_overdue']:contains('12')",
        },
    ],
});
