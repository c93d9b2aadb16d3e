import { registry } from "@web/core/registry";

// A customer opens the statement link, keeps the overdue invoice ticked, ticks the next
// one, pays both with the demo provider and lands back on the statement where they are
// listed as paid.
registry.category("web_tour.tours").add("wholtra_statement_pay_tour", {
    steps: () => [
        {
            content: "the overdue invoice is preselected",
            trigger: "tr.o_wholtra_statement_line[data-rank='1'] input[type='checkbox']:checked",
        },
        {
            content: "the invoice not yet due is not preselected",
            trigger: "tr.o_wholtra_statement_line[data-rank='2'] input[type='checkbox']:not(:checked)",
        },
        {
            content: "tick the second invoice",
            trigger: "tr.o_wholtra_statement_line[data-rank='2'] input[type='checkbox']",
            run: "click",
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
        {
            content: "only the third invoice is still open",
            trigger: ".o_wholtra_statement_table:not(:has(tr[data-rank='2']))",
        },
    ],
});
