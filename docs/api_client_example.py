#!/usr/bin/env python3
"""Example client of the 局长走流程 API v1: sync findings incrementally, then download a report.

Standard library only, so a city's 12345 hotline or the provincial platform can run it as is:

    python docs/api_client_example.py --base-url https://walk.chizhou.example --token=KEY \\
        --state sync-state.json --report department --department 3 --out notice.pdf

Webhooks: ``verify_webhook`` checks a delivery's signature and age; ``serve_webhooks`` is a tiny
receiver (``--listen 8080``) that answers 204 to each verified delivery, prints it and ignores an
event id it has seen already (deliveries are retried, so the same event may come twice).

Sync: the first run fetches every finding; each later run asks for ``updated_since`` = the time of
the previous run minus a minute (a change committed a moment late is not missed) and follows the
``next`` links to the end. Rows already seen in the same version are skipped, so nothing is counted twice.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class Api:
    def __init__(self, base_url: str, token: str):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    def request(self, method: str, url: str, body: dict | None = None) -> tuple[int, bytes, dict]:
        if not url.startswith("http"):
            url = f"{self.base_url}{url}"
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(self.headers, **({"Content-Type": "application/json"} if data else {}))
        for attempt in range(5):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers, method=method), timeout=60) as r:
                    return r.status, r.read(), dict(r.headers)
            except urllib.error.HTTPError as exc:
                if exc.code == 429:  # throttled: wait as told, then try again
                    time.sleep(int(exc.headers.get("Retry-After", "5")))
                    continue
                return exc.code, exc.read(), dict(exc.headers)
        raise RuntimeError("still throttled after 5 attempts")

    def json(self, method: str, url: str, body: dict | None = None) -> dict:
        status, content, _ = self.request(method, url, body)
        if status >= 400:
            raise RuntimeError(f"{method} {url}: {status} {content[:300]!r}")
        return json.loads(content)


def sync_findings(api: Api, since: str | None) -> tuple[list[dict], str]:
    started = datetime.datetime.now(datetime.timezone.utc).isoformat()
    query = {"page_size": 200}
    if since:
        query["updated_since"] = since
    url = "/api/v1/findings/?" + urllib.parse.urlencode(query)
    changes: dict[tuple[int, str], dict] = {}
    while url:
        page = api.json("GET", url)
        for row in page["results"]:
            changes[(row["id"], row["updated_at"])] = row
        url = page["next"]
    # Next time, start a minute before this run began.
    resume = (datetime.datetime.fromisoformat(started) - datetime.timedelta(minutes=1)).isoformat()
    return list(changes.values()), resume


def download_report(api: Api, body: dict, out: str, wait_seconds: int = 300) -> None:
    report = api.json("POST", "/api/v1/reports/", body)
    deadline = time.monotonic() + wait_seconds
    while True:
        state = api.json("GET", f"/api/v1/reports/{report['id']}/")
        if state["status"] == "done":
            break
        if state["status"] == "failed" or time.monotonic() > deadline:
            raise RuntimeError(f"report {report['id']}: {state['status']} {state.get('error', '')}")
        time.sleep(2)
    status, content, _ = api.request("GET", state["download_url"])
    if status != 200:
        raise RuntimeError(f"download: {status}")
    with open(out, "wb") as fh:
        fh.write(content)


def verify_webhook(secret: str, headers, body: bytes, tolerance: int = 300) -> dict:
    """Check a webhook delivery and return its JSON; raises ValueError if it is not genuine.

    ``headers`` is any mapping with the request's headers (names as sent; http.server's, Django's
    ``request.headers`` and a plain dict all work); ``body`` the raw bytes, before any parsing. The
    signature is HMAC-SHA256, keyed by the endpoint's secret, of ``<timestamp>.<body>``; a timestamp
    more than ``tolerance`` seconds away from now is refused (a replayed old delivery)."""
    sent_headers = {str(name).lower(): value for name, value in headers.items()}
    timestamp = sent_headers.get("x-walkthrough-timestamp")
    sent = sent_headers.get("x-walkthrough-signature")
    if not timestamp or not sent:
        raise ValueError("missing X-Walkthrough-Timestamp or X-Walkthrough-Signature")
    try:
        age = abs(time.time() - int(timestamp))
    except ValueError:
        raise ValueError("bad timestamp") from None
    if tolerance and age > tolerance:
        raise ValueError("timestamp too old or too new")
    expected = "sha256=" + hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, sent.strip()):
        raise ValueError("bad signature")
    return json.loads(body.decode("utf-8"))


def serve_webhooks(port: int, secret: str) -> None:
    """Receive webhooks on ``port``: verify, dedupe by event id, print, answer 204 quickly."""
    seen: set[str] = set()  # a real receiver keeps this in its database

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                event = verify_webhook(secret, self.headers, body)
            except ValueError as exc:
                self.send_response(401)
                self.end_headers()
                print(f"refused: {exc}", file=sys.stderr)
                return
            if event["id"] not in seen:
                seen.add(event["id"])
                print(f"{event['created_at']}\t{event['type']}\t{json.dumps(event['data'], ensure_ascii=False)}")
            self.send_response(204)
            self.end_headers()

    http.server.ThreadingHTTPServer(("", port), Receiver).serve_forever()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url")
    parser.add_argument("--token", help='write it as --token=KEY: a key may begin with "-"')
    parser.add_argument("--listen", type=int, help="receive webhooks on this port instead (needs --secret)")
    parser.add_argument("--secret", help="the endpoint's secret, from the admin")
    parser.add_argument("--state", help="a JSON file remembering where the last sync ended")
    parser.add_argument("--report", choices=["walkthrough", "department", "bulletin", "ledger"])
    parser.add_argument("--department", type=int)
    parser.add_argument("--walkthrough", type=int)
    parser.add_argument("--out", default="report.pdf")
    args = parser.parse_args(argv)
    if args.listen:
        if not args.secret:
            parser.error("--listen needs --secret")
        serve_webhooks(args.listen, args.secret)
        return 0
    if not args.base_url or not args.token:
        parser.error("--base-url and --token are required")
    api = Api(args.base_url, args.token)

    since = None
    if args.state:
        try:
            with open(args.state, encoding="utf-8") as fh:
                since = json.load(fh).get("updated_since")
        except FileNotFoundError:
            pass
    rows, resume = sync_findings(api, since)
    for row in rows:
        flag = " 逾期" if row["overdue"] else ""
        print(f"{row['id']}\t{row['status']}\t{row['due_date'] or '-'}\t{row['title']}{flag}")
    print(f"{len(rows)} findings changed", file=sys.stderr)
    if args.state:
        with open(args.state, "w", encoding="utf-8") as fh:
            json.dump({"updated_since": resume}, fh)

    if args.report:
        body = {"kind": args.report}
        if args.department:
            body["department"] = args.department
        if args.walkthrough:
            body["walkthrough"] = args.walkthrough
        download_report(api, body, args.out)
        print(f"report saved to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
