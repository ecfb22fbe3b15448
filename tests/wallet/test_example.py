#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs the wallet example of docs/API.md section 4 end to end and checks
that the document shows exactly tests/wallet/wallet_example.c.

usage: test_example.py WALLET_EXAMPLE MKISSUED STADSPAS SOURCE_ROOT

The example enrols (request body -> MKISSUED, a tiny issuer -> accept) and
presents; the SP1 text must verify with `stadspas inspect --key`.
"""
import json
import os
import subprocess
import sys
import tempfile

EXAMPLE, MKISSUED, STADSPAS, ROOT = sys.argv[1:5]
MARKER = "<!-- example: tests/wallet/wallet_example.c -->"
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


def run(args, stdin=None):
    p = subprocess.run(args, input=stdin, capture_output=True, timeout=60,
                       env=CHILD_ENV)
    check(p.returncode == 0, f"{args[0]} {args[1:3]}: {p.stderr.decode()}")
    return p.stdout


# The document shows the file as it is.
doc = open(os.path.join(ROOT, "docs", "API.md"), encoding="utf-8").read()
src = open(os.path.join(ROOT, "tests", "wallet", "wallet_example.c"),
           encoding="utf-8").read()
after = doc.split(MARKER + "\n", 1)
block = None
if len(after) == 2 and after[1].startswith("```c\n"):
    block = after[1][len("```c\n"):].split("\n```\n", 1)[0] + "\n"
check(block == src, "docs/API.md shows tests/wallet/wallet_example.c")

with tempfile.TemporaryDirectory() as d:
    nonce = json.dumps({"nonce": "ab" * 32, "expires": 0})
    body = run([EXAMPLE, d, "request", "wxyz-2345-abcd", nonce])
    req = json.loads(body)
    check(req["code"] == "WXYZ2345ABCD" and len(req["proofs"]) == 4,
          "request body")
    resp = run([MKISSUED, d, "honest", "now"], stdin=body)
    with open(os.path.join(d, "response.json"), "wb") as f:
        f.write(resp)
    pid = run([EXAMPLE, d, "accept", os.path.join(d, "response.json"),
               os.path.join(d, "keyset.cbor")]).decode().strip()
    check(pid == "1", f"pass id {pid}")
    out = run([EXAMPLE, d, "present", pid, "3", "sport"]).decode()
    lines = out.splitlines()
    check(lines and lines[0].startswith("SP1:"), "SP1 text")
    check(len(lines) > 20 and "\u2588" in out, "QR as text")
    p = subprocess.run([STADSPAS, "inspect", "--json", "--key",
                        os.path.join(d, "issuer.cose"), lines[0]],
                       capture_output=True, timeout=60, env=CHILD_ENV)
    obj = json.loads(p.stdout) if p.stdout else {}
    check(p.returncode == 0 and obj.get("verified"), "inspect verifies")
    names = [c["name"] for c in obj.get("claims", [])]
    check(names in (["limit_tag"], ["category", "limit_key"]),
          f"disclosed {names}")
    check(oct(os.stat(os.path.join(d, "wallet")).st_mode & 0o777) ==
          "0o600", "store mode 0600")

print(f"test_example: {'FAIL' if failures else 'ok'} ({failures} failures)")
sys.exit(1 if failures else 0)
