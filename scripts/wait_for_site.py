"""Wait until a served site answers, fetch each URL once, and fail on anything else.

Used by ``.ci/run`` after starting the README's ``mkdocs serve`` line: it polls the first URL
until it answers (or the serving process dies, or the time runs out), then fetches every URL
and requires status 200 and a non-empty body. Prints how long the site took to come up.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
        body: bytes = response.read()
    if not body:
        raise RuntimeError(f"{url}: empty response")
    return body


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--pid", type=int, required=True, help="the serving process")
    parser.add_argument("--log", required=True, help="its output, shown on failure")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait (default: 900)")
    args = parser.parse_args()
    start = time.monotonic()
    while True:
        try:
            fetch(args.urls[0])
            break
        except (urllib.error.URLError, ConnectionError, RuntimeError, TimeoutError):
            pass
        if not alive(args.pid) or time.monotonic() - start > args.timeout:
            with open(args.log, encoding="utf-8", errors="replace") as f:
                sys.stderr.write(f.read()[-5000:])
            print("the site was never served", file=sys.stderr)
            return 1
        time.sleep(1.0)
    print(f"the site answered {time.monotonic() - start:.0f} s after the command started")
    for url in args.urls:
        body = fetch(url)
        print(f"{url}: {len(body):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
