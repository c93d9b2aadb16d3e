"""Take a screenshot of a page of the running Odoo (scripts/run) in headless Chromium.

    .venv/bin/python scripts/screenshot.py URL OUT.png [--login admin --password admin]
        [--width 1400 --height 900] [--wait 4] [--db wholtra_demo]

Logs in through /web/session/authenticate, hands the session cookie to Chromium over the
DevTools protocol, opens URL and saves a PNG. Used for the README's screenshots.
"""

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket


def odoo_session(base, db, login, password):
    body = json.dumps(
        {"jsonrpc": "2.0", "params": {"db": db, "login": login, "password": password}}
    ).encode()
    req = urllib.request.Request(
        base + "/web/session/authenticate",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        for header in resp.headers.get_all("Set-Cookie") or []:
            if header.startswith("session_id="):
                return header.split(";")[0].split("=", 1)[1]
    raise SystemExit("login failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("out")
    ap.add_argument("--login")
    ap.add_argument("--password", default="admin")
    ap.add_argument("--db", default="wholtra_demo")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=900)
    ap.add_argument("--wait", type=float, default=4.0)
    args = ap.parse_args()
    base = "/".join(args.url.split("/")[:3])
    browser = shutil.which("chromium") or shutil.which("google-chrome")
    profile = tempfile.mkdtemp(prefix="wholtra-shot-")
    port = 9333
    proc = subprocess.Popen(
        [
            browser,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            f"--window-size={args.width},{args.height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as r:
                    targets = [t for t in json.load(r) if t["type"] == "page"]
                if targets:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        ws = websocket.create_connection(targets[0]["webSocketDebuggerUrl"], timeout=60)
        counter = iter(range(1, 10**6))

        def call(method, **params):
            msg_id = next(counter)
            ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == msg_id:
                    return msg.get("result", {})

        call(
            "Emulation.setDeviceMetricsOverride",
            width=args.width,
            height=args.height,
            deviceScaleFactor=1,
            mobile=False,
        )
        if args.login:
            sid = odoo_session(base, args.db, args.login, args.password)
            call("Network.enable")
            call("Network.setCookie", name="session_id", value=sid, url=base, path="/")
        call("Page.enable")
        call("Page.navigate", url=args.url)
        time.sleep(args.wait)
        shot = call("Page.captureScreenshot", format="png")
        with open(args.out, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        print(args.out)
    finally:
        proc.terminate()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
