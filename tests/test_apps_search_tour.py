"""Browser: a search for "Wholtra" in the Apps menu finds the four addons, installed."""

import json

from odoo.tests import HttpCase, tagged
from odoo.tools.misc import find_in_path

ADDONS = (
    "Wholtra Orders",
    "Wholtra Inventory Allocation",
    "Wholtra Invoicing",
    "Wholtra Payments",
)

STEPS = [
    {"content": "Apps kanban is loaded", "trigger": ".o_kanban_view .o_kanban_record"},
    {
        "content": "search Wholtra",
        "trigger": ".o_searchview_input",
        "run": "edit Wholtra",
    },
    {
        "content": "submit the search",
        "trigger": ".o_searchview_input",
        "run": "press Enter",
    },
    *(
        {
            "content": f"{name} is listed and installed",
            "trigger": f".o_kanban_record:contains('{name}'):not(:has(button[name=button_immediate_install]))",
        }
        for name in ADDONS
    ),
]


@tagged("post_install", "-at_install")
class TestAppsSearchTour(HttpCase):
    def test_apps_search_finds_four_wholtra_addons(self):
        self.assertTrue(
            any(
                find_in_path(b)
                for b in ("chromium", "google-chrome", "chromium-browser")
            ),
            "Chromium is required for the browser tours (run scripts/bootstrap)",
        )
        modules = self.env["ir.module.module"].search([("name", "=like", "wholtra_%")])
        self.assertEqual(
            sorted(modules.mapped("shortdesc")), sorted(ADDONS), "four Wholtra addons"
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        # The tour is registered from the test itself: nothing test-only ships in an addon.
        code = (
            'const { registry } = odoo.loader.modules.get("@web/core/registry");'
            'registry.category("web_tour.tours").add("wholtra_apps_search", '
            f"{{steps: () => {json.dumps(STEPS)}}});"
            'odoo.startTour("wholtra_apps_search", {stepDelay: 0, startUrl: "/odoo/apps"});'
        )
        self.start_tour(
            "/odoo/apps",
            "wholtra_apps_search",
            login="admin",
            code=code,
            ready="odoo.isReady && typeof odoo.startTour === 'function'",
        )
