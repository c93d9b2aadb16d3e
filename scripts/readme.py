"""Regenerate the per-addon sections of README.md from addons/*/readme/*.md fragments and
the screenshots in addons/*/static/description/ (the fragments are the source: edit them,
then run `.venv/bin/python scripts/readme.py`)."""

import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
ORDER = [
    "wholtra_orders",
    "wholtra_inventory_alloc",
    "wholtra_invoicing",
    "wholtra_payments",
]
START, END = "<!-- addons:start (scripts/readme.py) -->", "<!-- addons:end -->"
PARTS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configure"),
    ("USAGE.md", "Use"),
    ("API.md", "External API"),
]


def demote(text):
    """Fragments' headings sit under the addon's ### level."""
    return re.sub(
        r"^(#+) ", lambda m: "#" * min(len(m.group(1)) + 3, 6) + " ", text, flags=re.M
    )


def section(module):
    path = ROOT / "addons" / module
    manifest = ast.literal_eval((path / "__manifest__.py").read_text())
    out = [f"## {manifest['name']} (`{module}`)", "", f"*{manifest['summary']}.*", ""]
    prefix = f"addons/{module}/"
    used = ""
    for filename, title in PARTS:
        fragment = path / "readme" / filename
        if fragment.exists() and fragment.read_text().strip():
            if title:
                out += [f"### {title}", ""]
            # links relative to readme/ become relative to the repository root
            text = fragment.read_text().strip().replace("](../", f"]({prefix}")
            used += text
            out += [demote(text), ""]
    shots = sorted(
        p
        for p in (path / "static" / "description").rglob("*.png")
        if p.name != "icon.png" and p.relative_to(ROOT).as_posix() not in used
    )
    if shots:
        out += ["### Screenshots", ""]
        for shot in shots:
            caption = shot.stem.replace("_", " ").capitalize()
            out += [f"![{caption}]({shot.relative_to(ROOT).as_posix()})", ""]
    return "\n".join(out)


def main():
    readme = ROOT / "README.md"
    text = readme.read_text()
    body = "\n".join(section(m) for m in ORDER)
    block = f"{START}\n\n{body}\n{END}"
    if START in text:
        text = re.sub(
            re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S
        )
    else:
        text = text.replace(
            "<!-- addon sections: assembled from addons/*/readme/ -->", block
        )
    readme.write_text(text)
    print(f"README.md: {len(ORDER)} addon sections")


if __name__ == "__main__":
    main()
