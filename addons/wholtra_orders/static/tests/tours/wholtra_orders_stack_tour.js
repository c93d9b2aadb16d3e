import { registry } from "@web/core/registry";

// Opens a sales order form, then finds the Wholtra entry in Sales > Configuration and the
// Wholtra block in Settings: proves the web client, our menus and our settings load.
registry.category("web_tour.tours").add("wholtra_orders_stack_tour", {
    steps: () => [
        {
            content: "the sales order form is open",
            trigger: ".o_form_view .o_field_widget[name='name'] span:contains(S0)",
        },
        {
            content: "the order's customer is shown",
            trigger: ".o_form_view .o_field_widget[name='partner_id'] input:value(Tour Snack Shack)",
        },
        {
            content: "open Sales > Configuration",
            trigger: "button[data-menu-xmlid='sale.menu_sale_config']",
            run: "click",
        },
        {
            content: "our menu entry is there",
            trigger: "a[data-menu-xmlid='wholtra_orders.wholtra_orders_config_menu']",
            run: "click",
        },
        {
            content: "the Wholtra Account Terms setting is shown",
            trigger: ".o_setting_box .o_field_widget[name='wholtra_enforce_account_terms']",
        },
    ],
});
