#!/usr/bin/env python3
"""Example client of the 局长走流程 API v1: sync findings incrementally, then download a report.

Standard library only, so a city's 12345 hotline or the provincial platform can run it as is:

    python docs/api_client_example.py --base-url https://walk.chizhou.example --token=KEY \\
        --state sync-state.json --report department --department 3 --out notice.pdf

Sync: the first run fetches every finding; each later run asks for ``updated_since`` = the time of
the previous run minus a minute (a change committed a moment late is not missed) and follows the
``next`` links to the end. Rows already seen in the same version are skipped, so nothing is counted twice.
"""
from __future__ import annotations

import argparse
import datetime
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True, help='write it as --token=KEY: a key may begin with "-"')
    parser.add_argument("--state", help="a JSON file remembering where the last sync ended")
    parser.add_argument("--report", choices=["walkthrough", "department", "bulletin", "ledger"])
    parser.add_argument("--department", type=int)
    parser.add_argument("--walkthrough", type=int)
    parser.add_argument("--out", default="report.pdf")
    args = parser.parse_args(argv)
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
