"""Issue 12: the collection reminder templates of earlier versions read the overdue
amount and the statement link from the rendering context, filled after the mail was
rendered ("$ 0.00", and no link at all from *Send message*). The templates are
``noupdate``: the ones still reading the old context keys get the new body, which
computes the amount, the overdue invoices and the link when it is rendered."""

import logging

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools import file_open

_logger = logging.getLogger(__name__)

TEMPLATES = (
    "mail_template_collection_friendly",
    "mail_template_collection_second",
    "mail_template_collection_hold",
)
OLD_KEY = "wholtra_overdue_amount"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    with file_open("wholtra_payments/data/mail_template_data.xml", "rb") as data:
        tree = etree.parse(data)
    for name in TEMPLATES:
        template = env.ref(f"wholtra_payments.{name}", raise_if_not_found=False)
        if not template or OLD_KEY not in (template.body_html or ""):
            continue
        [node] = tree.xpath(f"//record[@id='{name}']/field[@name='body_html']")
        template.body_html = "".join(
            etree.tostring(child, method="html", encoding="unicode") for child in node
        )
        _logger.info("Collection reminder template %s updated", name)
