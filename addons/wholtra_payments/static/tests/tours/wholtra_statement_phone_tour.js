import { registry } from "@web/core/registry";

function assertNoSidewaysScroll() {
    const root = document.documentElement;
    if (window.innerWidth > 400) {
        throw new Error(`Not a phone viewport: ${window.innerWidth}px`);
    }
    if (root.scrollWidth > root.clientWidth + 1) {
        throw new Error(
            `The statement scrolls sideways: ${root.scrollWidth}px wide in ${root.clientWidth}px`
        );
    }
    for (const cell of document.querySelectorAll(".o_wholtra_residual")) {
        if (cell.getBoundingClientRect().right > window.innerWidth) {
            throw new Error("An amount due is off screen");
        }
    }
}

// On a 390-px phone the customer sees what they owe, ticks a second invoice, watches the
// running total follow, and pays both.
registry.category("web_tour.tours").add("wholtra_statement_phone_tour", {
    steps: () => [
        {
            content: "the total owed is shown",
            trigger: ".o_wholtra_total_owed:contains(700.00)",
        },
        {
            content: "the overdue part is shown",
            trigger: ".o_wholtra_total_overdue:contains(100.00)",
        },
        {
            content: "the running total starts with the preselected overdue invoice",
            trigger: ".o_wholtra_selected_total:contains(100.00)",
        },
        {
            content: "no sideways scrolling, every amount due on screen",
            trigger: ".o_wholtra_statement_table .o_wholtra_residual",
            run: assertNoSidewaysScroll,
        },
        {
            content: "each invoice has its PDF",
            trigger: "tr.o_wholtra_statement_line[data-rank='3'] a.o_wholtra_invoice_pdf",
        },
        {
            content: "tick the second invoice",
            trigger: "tr.o_wholtra_statement_line[data-rank='2'] input[type='checkbox']",
            run: "click",
        },
        {
            content: "the running total follows the ticked boxes",
            trigger: ".o_wholtra_selected_total:contains(300.00)",
        },
        {
            content: "two invoices are ticked",
            trigger: ".o_wholtra_selected_count:contains(2)",
        },
        {
            content: "go to payment",
            trigger: "button.o_wholtra_statement_continue",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the payment form shows the total of both invoices",
            trigger: ".o_wholtra_statement_payment:contains(300.00)",
        },
        {
            content: "still no sideways scrolling with the payment form",
            trigger: ".o_wholtra_statement_payment",
            run: assertNoSidewaysScroll,
        },
        {
            content: "pick the demo payment method",
            trigger: "input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "the demo card form is shown",
            trigger: "#customer_input",
            run: "edit 4242",
        },
        {
            content: "pay",
            trigger: "button[name='o_payment_submit_button']:not(:disabled)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "back on the statement, both invoices are listed as paid",
            trigger: ".o_wholtra_statement_paid .o_wholtra_paid_line[data-rank='2']:contains(Paid)",
            timeout: 20000,
        },
    ],
});
