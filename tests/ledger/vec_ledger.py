#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""docs/FORMATS.md 10.5 rebuilt independently: hand-written CBOR, hashlib
SHA-256 and Ed25519 from the `cryptography` package, compared with the
bytes tests/ledger/vec_ledger.c checks. Exit 77 (skip) without
`cryptography`."""
import hashlib
import re
import sys
from pathlib import Path

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import \
        Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import \
        Encoding, PublicFormat
except ImportError:
    sys.exit(77)


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
    raise ValueError(n)


def uint(n): return head(0, n)
def bstr(b): return head(2, len(b)) + b
def tstr(s): return head(3, len(s.encode())) + s.encode()
def array(items): return head(4, len(items)) + b"".join(items)


def cmap(pairs):
    return head(5, len(pairs)) + b"".join(k + v for k, v in pairs)


def main():
    src = Path(__file__).with_name("vec_ledger.c").read_text()
    want = {m[0]: "".join(re.findall(r'"([0-9a-f]*)"', m[1]))
            for m in re.findall(r"static const char (\w+)_hex\[\] =(.*?);",
                                src, re.S)}
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(0x40, 0x60)))
    pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    cose_key = cmap([(uint(1), uint(1)), (b"\x20", uint(6)),
                     (b"\x21", bstr(pub))])
    tag = b"stadspas ledger v1\0"
    genesis = hashlib.sha256(tag + b"p1").digest()
    record = array([uint(1), uint(1), uint(1767600000), tstr("p1"), uint(1),
                    uint(350), uint(1), tstr("swim/2026-W02"),
                    bstr(b"\x71" * 16), uint(1),
                    bstr(bytes.fromhex("deadbeef")), bstr(genesis)])
    rhash = hashlib.sha256(record).digest()
    hd = hashlib.sha256(tag + genesis + rhash).digest()
    sig = key.sign(b"stadspas receipt v1\0" + rhash + hd)
    entry = array([bstr(record), bstr(sig)])
    payload = cmap([(uint(1), uint(5)), (uint(2), tstr("p1")),
                    (uint(3), cose_key), (uint(4), bstr(genesis)),
                    (uint(5), array([entry])), (uint(6), bstr(hd))])
    kid = hashlib.sha256(cose_key).digest()[:4]
    prot = cmap([(uint(1), b"\x27"), (uint(4), bstr(kid))])
    tbs = array([tstr("Signature1"), bstr(prot), bstr(b""), bstr(payload)])
    batch = array([bstr(prot), cmap([]), bstr(payload),
                   bstr(key.sign(tbs))])
    got = {"genesis": genesis, "record": record, "head": hd,
           "entry": entry, "batch": batch}
    bad = [k for k in got if got[k].hex() != want.get(k)]
    for k in bad:
        print(f"{k} differs:\n got {got[k].hex()}\nwant {want.get(k)}")
    print(f"vec_ledger.py: {len(got) - len(bad)} of {len(got)} match")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
