"""The README's *Security* section lists every elevated or raw path of the addons: each
HTTP route, each function that calls ``sudo()``, each function that runs raw SQL. A new
one without its line (and its reason) in the README fails this test, so the attack
surface stays documented as the code grows."""

import ast
import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADDONS = ROOT / "addons"
README = ROOT / "README.md"


def _calls(node, attribute):
    return any(
        isinstance(sub, ast.Call)
        and isinstance(sub.func, ast.Attribute)
        and sub.func.attr == attribute
        for sub in ast.walk(node)
    )


def _is_route(func):
    return any(
        isinstance(deco, ast.Call)
        and isinstance(deco.func, ast.Attribute)
        and deco.func.attr == "route"
        for deco in func.decorator_list
    )


def elevated_paths():
    """{kind: {"addon/relative/path.py:Class.function"}} for sudo, sql and route."""
    found = {"sudo": set(), "sql": set(), "route": set()}
    for path in sorted(ADDONS.glob("wholtra_*/**/*.py")):
        if "/tests/" in str(path):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        rel = path.relative_to(ADDONS)
        for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
            for func in cls.body:
                if not isinstance(func, ast.FunctionDef):
                    continue
                key = f"{rel}:{cls.name}.{func.name}"
                if _calls(func, "sudo"):
                    found["sudo"].add(key)
                if _calls(func, "execute") or _calls(func, "execute_query"):
                    found["sql"].add(key)
                if _is_route(func):
                    found["route"].add(key)
    return found


def documented():
    text = README.read_text()
    start = text.find("## Security")
    if start < 0:
        return set()
    end = text.find("\n## ", start + 1)
    section = text[start : end if end > 0 else len(text)]
    return set(re.findall(r"`([\w/.]+\.py:[\w.]+)`", section))


class TestSecurityInventory(unittest.TestCase):
    def test_every_elevated_path_is_documented(self):
        listed = documented()
        missing = [
            f"{kind}: {key}"
            for kind, keys in elevated_paths().items()
            for key in sorted(keys)
            if key not in listed
        ]
        self.assertFalse(
            missing,
            "Add these to README.md's Security section, with why each is safe:\n"
            + "\n".join(missing),
        )

    def test_no_stale_entry(self):
        current = set().union(*elevated_paths().values())
        stale = sorted(key for key in documented() if key not in current)
        self.assertFalse(stale, "README Security lists paths that no longer exist")
