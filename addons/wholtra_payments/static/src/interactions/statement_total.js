import { Interaction } from "@web/public/interaction";
import { registry } from "@web/core/registry";

/**
 * Statement page: the running total of the ticked invoices, updated as boxes are
 * ticked. Display only: the server recomputes and validates the selection and the
 * amount when the customer pays.
 */
export class WholtraStatementTotal extends Interaction {
    static selector = ".o_wholtra_statement_form";
    dynamicContent = {
        ".o_wholtra_invoice_check": { "t-on-change": this.computeTotal },
        ".o_wholtra_selected_total": { "t-out": () => this.totalText },
        ".o_wholtra_selected_count": { "t-out": () => this.count },
    };

    setup() {
        this.computeTotal();
    }

    computeTotal() {
        const decimals = parseInt(this.el.dataset.decimals || "2", 10);
        const factor = 10 ** decimals;
        let units = 0;
        this.count = 0;
        for (const box of this.el.querySelectorAll(".o_wholtra_invoice_check:checked")) {
            units += Math.round(parseFloat(box.dataset.amount || "0") * factor);
            this.count++;
        }
        const lang = document.documentElement.lang || undefined;
        let number;
        try {
            number = new Intl.NumberFormat(lang, {
                minimumFractionDigits: decimals,
                maximumFractionDigits: decimals,
            }).format(units / factor);
        } catch {
            number = (units / factor).toFixed(decimals);
        }
        const symbol = this.el.dataset.symbol || "";
        this.totalText =
            this.el.dataset.position === "before"
                ? `${symbol}\u00a0${number}`
                : `${number}\u00a0${symbol}`;
    }
}

registry
    .category("public.interactions")
    .add("wholtra_payments.statement_total", WholtraStatementTotal);
