"""Print the load test's figures (Locust CSV) and DB checks side by side: Wholtra (every
role), Wholtra with vanilla's mix, vanilla. Usage: report.py OUTDIR (scripts/load's output
folder). Exit 1 when a check of a Wholtra run failed or the Wholtra run is missing its
results (vanilla is the reference: its figures are printed, never failed)."""

import csv
import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
# wholtra: every role; wholtra_same: Wholtra with vanilla's mix (order entry, confirm,
# validate) — the like-for-like comparison; vanilla: the reference, never failed
modes = [
    m
    for m in ("wholtra", "wholtra_same", "vanilla")
    if (out / f"{m}.check.json").exists()
]


def stats(mode):
    rows = {}
    path = out / f"{mode}_stats.csv"
    if path.exists():
        with open(path) as f:
            for row in csv.DictReader(f):
                rows[row["Name"]] = row
    return rows


def fmt(row):
    if not row:
        return f"{'-':>7} {'-':>6} {'-':>5} {'-':>6} {'-':>6}"
    return (
        f"{int(row['Request Count']):>7} {float(row['Requests/s']):>6.2f} "
        f"{int(row['Failure Count']):>5} {row['50%']:>6} {row['95%']:>6}"
    )


data = {m: stats(m) for m in modes}
names = sorted({n for rows in data.values() for n in rows if n != "Aggregated"})
names.append("Aggregated")
head = "".join(f" | {m:^36}" for m in modes)
sub = "".join(
    f" | {'calls':>7} {'req/s':>6} {'fail':>5} {'p50ms':>6} {'p95ms':>6}" for _ in modes
)
print(f"\n{'call (JSON-2)':<62}{head}\n{'':<62}{sub}")
print("-" * (62 + 39 * len(modes)))
for name in names:
    print(f"{name:<62}" + "".join(f" | {fmt(data[m].get(name))}" for m in modes))

status = 0
for mode in modes:
    result = json.loads((out / f"{mode}.check.json").read_text())
    print(f"\n{mode}: {json.dumps(result['stats'], default=str)}")
    for name, check in result["checks"].items():
        flag = "FAIL" if check["count"] else "ok"
        info = f" ({check['info']})" if check.get("info") else ""
        print(f"  {flag:<4} {check['count']:>4}  {name}{info}")
    if result["failed"] and mode != "vanilla":
        status = 1
    errors = json.loads((out / f"{mode}.status.json").read_text())["errors"]
    for name, messages in sorted(errors.items()):
        for message, count in sorted(messages.items(), key=lambda kv: -kv[1])[:4]:
            print(f"  refused {count:>4}x {name}: {message}")
if "wholtra" not in modes:
    print("no result for the Wholtra run")
    status = 1
sys.exit(status)
