#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The wallet store example of docs/FORMATS.md section 7.6, rebuilt
without libsodium: hashlib's BLAKE2b for crypto_kdf, HChaCha20 written out
here, ChaCha20-Poly1305 and Argon2id from the `cryptography` package.
tests/wallet/test_store.c checks the same values with the library.
Exit 77 (skip) if `cryptography` (with Argon2id: 44 or later) is missing.
"""
import hashlib
import struct
import sys

try:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
except ImportError:
    print("SKIP: the cryptography package with Argon2id is not installed")
    sys.exit(77)

failures = 0


def check(got, want, what):
    global failures
    if got != want:
        failures += 1
        print(f"FAIL: {what}: got {got}, want {want}", file=sys.stderr)


def rotl(v, c):
    return ((v << c) & 0xffffffff) | (v >> (32 - c))


def quarter(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xffffffff
    s[d] = rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xffffffff
    s[b] = rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xffffffff
    s[d] = rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xffffffff
    s[b] = rotl(s[b] ^ s[c], 7)


def hchacha20(key, n16):
    """draft-irtf-cfrg-xchacha section 2.2."""
    s = list(struct.unpack("<4I", b"expand 32-byte k")) + \
        list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", n16))
    for _ in range(10):
        quarter(s, 0, 4, 8, 12)
        quarter(s, 1, 5, 9, 13)
        quarter(s, 2, 6, 10, 14)
        quarter(s, 3, 7, 11, 15)
        quarter(s, 0, 5, 10, 15)
        quarter(s, 1, 6, 11, 12)
        quarter(s, 2, 7, 8, 13)
        quarter(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def xchacha20poly1305_encrypt(key, nonce, plain, aad):
    sub = hchacha20(key, nonce[:16])
    return ChaCha20Poly1305(sub).encrypt(b"\0" * 4 + nonce[16:], plain, aad)


def crypto_kdf(master, length, subkey_id, ctx):
    """libsodium crypto_kdf_derive_from_key (BLAKE2b)."""
    return hashlib.blake2b(b"", digest_size=length, key=master,
                           salt=struct.pack("<Q", subkey_id) + b"\0" * 8,
                           person=ctx + b"\0" * 8).digest()


# Raw store key, empty state.
master = bytes(range(0x40, 0x60))
enc = crypto_kdf(master, 32, 1, b"SPWALLET")
kcv = crypto_kdf(master, 16, 2, b"SPWALLET")
check(enc.hex(), "9ae59512fa0942a379d669d5ca970346"
      "9875fa45fbb00aac2aabf911b58abe4b", "enc")
check(kcv.hex(), "0eca93c286f8f7f2d0ef642d6c4bbd76", "kcv")

state = bytes([0x85, 0x01, 0x01, 0x80, 0x80, 0xf6])   # [1, 1, [], [], null]
padded = state + b"\x80" + b"\0" * (512 - len(state) - 1)
header = (b"SPWALLET" + bytes([1, 0, 0, 0]) + struct.pack(">II", 0, 0) +
          b"\0" * 16 + b"\x11" * 16 + struct.pack(">Q", 1) + b"\x22" * 24 +
          kcv + struct.pack(">I", 512 + 16))
check(len(header), 104, "header length")
ct = xchacha20poly1305_encrypt(enc, b"\x22" * 24, padded, header)
store = header + ct
check(len(store), 632, "file length")
check(ct[-16:].hex(), "becb8ba3df7c0726b94d08892f27ae2a", "tag")
check(hashlib.sha256(store).hexdigest(), "6bb3087346a9cc892309181a4dc66bea"
      "8086872d76bf25106395e9f13f205d13", "file SHA-256")

# PIN: Argon2id v1.3, one lane.
pin_master = Argon2id(salt=bytes(range(0x30, 0x40)), length=32,
                      iterations=1, lanes=1, memory_cost=64).derive(b"1234")
check(pin_master.hex(), "99b8f592a82315a467639aba92858b6b"
      "c29e8db8de340d695c5220454df08a25", "PIN master key")
check(crypto_kdf(pin_master, 16, 2, b"SPWALLET").hex(),
      "fb6728a565b905b63ffea5d3af345d08", "PIN kcv")

# Guard: [1, id, 4, 1767225630, 1767225600]
guard = (bytes([0x85, 0x01, 0x50]) + b"\x11" * 16 + bytes([0x04, 0x1a]) +
         struct.pack(">I", 1767225630) + b"\x1a" +
         struct.pack(">I", 1767225600))
check(guard.hex(), "85015011111111111111111111111111111111041a6955b91e"
      "1a6955b900", "guard")

print(f"vec_store: {'FAIL' if failures else 'ok'} ({failures} failures)")
sys.exit(1 if failures else 0)
