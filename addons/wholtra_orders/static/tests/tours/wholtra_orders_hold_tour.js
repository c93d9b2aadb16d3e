import { registry } from "@web/core/registry";

// A quotation of a customer on credit hold: the banner names the reason, confirming is
// refused, a credit manager releases the order with a reason, then it confirms.
registry.category("web_tour.tours").add("wholtra_orders_hold_tour", {
    steps: () => [
        {
            content: "the blocked banner names the hold reason",
            trigger: ".o_wholtra_block:contains(Cheque bounced)",
        },
        {
            content: "try to confirm",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_confirm']",
            run: "click",
        },
        {
            content: "confirmation is refused, with the reason",
            trigger: ".modal .modal-body:contains(is on credit hold)",
        },
        {
            content: "close the error",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "the credit manager releases the order",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_wholtra_release_hold']",
            run: "click",
        },
        {
            content: "the wizard shows why the order is held",
            trigger: ".modal .o_field_widget[name='block_message']:contains(Cheque bounced)",
        },
        {
            content: "enter the release reason",
            trigger: ".modal .o_field_widget[name='reason'] input",
            run: "edit Paid by card on the phone",
        },
        {
            content: "apply the release",
            trigger: ".modal button[name='action_apply']",
            run: "click",
        },
        {
            content: "the banner is gone",
            trigger: ".o_form_view:not(:has(.o_wholtra_block)) .o_statusbar_buttons button[name='action_confirm']",
            run: "click",
        },
        {
            content: "the order is confirmed",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Sales Order)",
        },
    ],
});
