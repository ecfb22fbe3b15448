#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Drives libstadspas-wallet.so through its C ABI only, as a phone app's
FFI layer would (here: Python ctypes).

usage: test_ffi.py LIBSTADSPAS-WALLET.so MKISSUED STADSPAS

Creates a PIN-protected wallet in a temporary directory with the POSIX
reference ops (the clock and a write-counting write_atomic are Python
callbacks), enrols a pass with a batch of keys against MKISSUED (a tiny
issuer), presents it for offers and checks each SP1 string with
`stadspas inspect --json --key` (the wallet library exports no
verification functions). Also: wrong PIN and back-off, a rejected batch,
refreshing QR, rendering, history, a failed write.
"""
import ctypes as C
import json
import os
import subprocess
import sys
import tempfile

LIB, MKISSUED, STADSPAS = sys.argv[1:4]
# Under AddressSanitizer the runtime is preloaded into Python for the
# library; the (statically instrumented) helper programs must not get it.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
T0 = 1767225600 + 10 * 86400          # 2026-01-11, inside the pass

SP_OK = 0
SP_ERR_STORAGE = -109
SP_ERR_WALLET_PIN = -120
SP_ERR_WALLET_LOCKED = -122
SP_ERR_WALLET_FOREIGN_KEY = -126
SP_ERR_WALLET_NOT_ELIGIBLE = -133

failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL:", what, file=sys.stderr)


lib = C.CDLL(LIB)

READ = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_char_p, C.POINTER(C.c_uint8),
                   C.c_size_t, C.POINTER(C.c_size_t))
WRITE = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_char_p, C.POINTER(C.c_uint8),
                    C.c_size_t)
NOW = C.CFUNCTYPE(C.c_int64, C.c_void_p)
RANDOM = C.CFUNCTYPE(C.c_int, C.c_void_p, C.POINTER(C.c_uint8), C.c_size_t)
HWKEYGEN = C.CFUNCTYPE(C.c_int, C.c_void_p, C.POINTER(C.c_uint8),
                       C.POINTER(C.c_size_t), C.POINTER(C.c_uint8),
                       C.POINTER(C.c_size_t))
HWSIGN = C.CFUNCTYPE(C.c_int, C.c_void_p, C.POINTER(C.c_uint8), C.c_size_t,
                     C.POINTER(C.c_uint8), C.POINTER(C.c_uint8), C.c_size_t)
HWDELETE = C.CFUNCTYPE(None, C.c_void_p, C.POINTER(C.c_uint8), C.c_size_t)
LOG = C.CFUNCTYPE(None, C.c_void_p, C.c_char_p)


class Ops(C.Structure):
    _fields_ = [("version", C.c_uint32), ("ctx", C.c_void_p),
                ("read", READ), ("write_atomic", WRITE), ("now", NOW),
                ("random", RANDOM), ("hw_keygen", HWKEYGEN),
                ("hw_sign", HWSIGN), ("hw_delete", HWDELETE), ("log", LOG)]


class Kdf(C.Structure):
    _fields_ = [("opslimit", C.c_uint64), ("memlimit", C.c_uint64)]


class Request(C.Structure):
    _fields_ = [("batch", C.c_size_t), ("key_kind", C.c_int),
                ("label", C.c_char_p), ("renew", C.c_uint32),
                ("claims", C.POINTER(C.c_char_p)),
                ("claim_count", C.c_size_t)]


class Offer(C.Structure):
    _fields_ = [("id", C.c_uint64), ("category", C.c_char_p),
                ("claims", C.POINTER(C.c_char_p)),
                ("claim_count", C.c_size_t), ("limit_period", C.c_int),
                ("limit_scope", C.c_char_p)]


class PresentOpts(C.Structure):
    _fields_ = [("audience", C.c_char_p), ("nonce", C.POINTER(C.c_uint8)),
                ("nonce_len", C.c_size_t), ("allow_reuse", C.c_bool)]


W = C.c_void_p          # struct sp_wallet *
P = C.c_void_p          # struct sp_wallet_posix *
STR = C.POINTER(C.c_char)

lib.sp_strerror.restype = C.c_char_p
lib.sp_strerror.argtypes = [C.c_int]
lib.sp_errtoken.restype = C.c_char_p
lib.sp_errtoken.argtypes = [C.c_int]
lib.sp_wallet_posix_new.argtypes = [C.POINTER(P), C.c_char_p]
lib.sp_wallet_posix_free.argtypes = [C.POINTER(P)]
lib.sp_wallet_posix_ops.argtypes = [P, C.POINTER(Ops)]
lib.sp_wallet_posix_write_atomic.argtypes = [C.c_void_p, C.c_char_p,
                                             C.POINTER(C.c_uint8),
                                             C.c_size_t]
lib.sp_wallet_create_pin.argtypes = [C.POINTER(W), C.POINTER(Ops),
                                     C.c_char_p, C.c_char_p,
                                     C.POINTER(Kdf)]
lib.sp_wallet_open_pin.argtypes = [C.POINTER(W), C.POINTER(C.c_int64),
                                   C.POINTER(Ops), C.c_char_p, C.c_char_p]
lib.sp_wallet_pin_state.argtypes = [C.POINTER(C.c_uint32),
                                    C.POINTER(C.c_int64), C.POINTER(Ops),
                                    C.c_char_p]
lib.sp_wallet_free.argtypes = [C.POINTER(W)]
lib.sp_wallet_generation.restype = C.c_uint64
lib.sp_wallet_generation.argtypes = [W]
lib.sp_wallet_issuance_request.argtypes = [W, C.POINTER(STR), C.c_char_p,
                                           C.c_char_p, C.c_size_t,
                                           C.POINTER(Request)]
lib.sp_wallet_issuance_accept.argtypes = [W, C.POINTER(C.c_uint32),
                                          C.c_char_p, C.c_size_t,
                                          C.c_char_p, C.c_size_t]
lib.sp_wallet_pass_count.restype = C.c_size_t
lib.sp_wallet_pass_count.argtypes = [W]
lib.sp_wallet_pass_json.argtypes = [W, C.POINTER(STR), C.c_uint32]
lib.sp_wallet_history_json.argtypes = [W, C.POINTER(STR)]
lib.sp_wallet_present.argtypes = [W, C.POINTER(STR), C.c_uint32,
                                  C.POINTER(Offer), C.POINTER(PresentOpts)]
lib.sp_wallet_present_refresh.argtypes = [W, C.POINTER(STR),
                                          C.POINTER(C.c_bool)]
lib.sp_wallet_present_end.argtypes = [W]
lib.sp_wallet_qr_text.argtypes = [C.POINTER(STR), C.c_char_p, C.c_uint]
lib.sp_wallet_qr_png.argtypes = [C.POINTER(C.POINTER(C.c_uint8)),
                                 C.POINTER(C.c_size_t), C.c_char_p, C.c_uint]
lib.sp_wallet_str_free.argtypes = [STR]
lib.sp_wallet_bytes_free.argtypes = [C.c_void_p, C.c_size_t]


def take(s):
    """Copies a library string and frees (wipes) the original."""
    v = C.cast(s, C.c_char_p).value.decode()
    lib.sp_wallet_str_free(s)
    return v


def cstrs(items):
    arr = (C.c_char_p * len(items))(*[i.encode() for i in items])
    return arr, len(items)


# ---- a minimal CBOR reader for the key binding (ints, strings, maps) -------

def cbor(b, i=0):
    ib = b[i]
    major, ai = ib >> 5, ib & 31
    i += 1
    if ai < 24:
        n = ai
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}[ai]
        n = int.from_bytes(b[i:i + size], "big")
        i += size
    if major == 0:
        return n, i
    if major in (2, 3):
        v = b[i:i + n]
        return (v.decode() if major == 3 else v), i + n
    if major == 5:
        d = {}
        for _ in range(n):
            k, i = cbor(b, i)
            d[k], i = cbor(b, i)
        return d, i
    raise ValueError("unexpected CBOR")


def inspect(qr, keyfile, at):
    p = subprocess.run([STADSPAS, "inspect", "--json", "--key", keyfile,
                        "--at", str(at), qr], capture_output=True,
                       timeout=60, env=CHILD_ENV)
    try:
        return p.returncode, json.loads(p.stdout)
    except ValueError:
        return p.returncode, None


def binding(obj):
    """The key-binding payload of an inspected presentation."""
    return cbor(bytes.fromhex(obj["payload"][4][2]))[0]


# ---- the platform: POSIX helpers plus Python callbacks ---------------------

tmp = tempfile.TemporaryDirectory()
clock = {"now": T0}
writes = {"n": 0, "fail": 0}
px = P()
check(lib.sp_wallet_posix_new(C.byref(px), tmp.name.encode()) == SP_OK,
      "posix_new")
ops = Ops()
lib.sp_wallet_posix_ops(px, C.byref(ops))
check(ops.version == 1, "ops version")


@NOW
def py_now(ctx):
    return clock["now"]


@WRITE
def py_write(ctx, name, buf, n):
    if writes["fail"] > 0:
        writes["fail"] -= 1
        return SP_ERR_STORAGE
    writes["n"] += 1
    return lib.sp_wallet_posix_write_atomic(ctx, name, buf, n)


logs = []


@LOG
def py_log(ctx, msg):
    logs.append(msg.decode())


ops.now = py_now
ops.write_atomic = py_write
ops.log = py_log

check(lib.sp_strerror(SP_ERR_WALLET_PIN) == b"wallet: wrong PIN",
      "strerror")
check(lib.sp_errtoken(SP_ERR_WALLET_LOCKED) == b"wallet_locked", "errtoken")

# ---- create, PIN, back-off -------------------------------------------------

kdf = Kdf(1, 64 * 1024)      # tests only: production is 3, 64 MiB
w = W()
check(lib.sp_wallet_create_pin(C.byref(w), C.byref(ops), b"ffi", b"2580",
                               C.byref(kdf)) == SP_OK, "create_pin")
check(os.path.exists(os.path.join(tmp.name, "ffi")), "store file")
check(os.stat(os.path.join(tmp.name, "ffi")).st_mode & 0o777 == 0o600,
      "store mode 0600")
lib.sp_wallet_free(C.byref(w))
check(w.value is None, "free sets NULL")
wait = C.c_int64(-1)
for i in range(4):
    r = lib.sp_wallet_open_pin(C.byref(w), C.byref(wait), C.byref(ops),
                               b"ffi", b"0000")
    check(r == SP_ERR_WALLET_PIN, f"wrong PIN {i}: {r}")
check(wait.value == 30, f"back-off 30 s, got {wait.value}")
r = lib.sp_wallet_open_pin(C.byref(w), C.byref(wait), C.byref(ops), b"ffi",
                           b"2580")
check(r == SP_ERR_WALLET_LOCKED and wait.value == 30, "locked")
fails = C.c_uint32()
check(lib.sp_wallet_pin_state(C.byref(fails), C.byref(wait), C.byref(ops),
                              b"ffi") == SP_OK and fails.value == 4,
      "pin_state")
clock["now"] += 30
check(lib.sp_wallet_open_pin(C.byref(w), C.byref(wait), C.byref(ops),
                             b"ffi", b"2580") == SP_OK, "right PIN")
check(any("wrong PIN" in m for m in logs), "log callback")
clock["now"] = T0

# ---- issuance --------------------------------------------------------------

nonce_json = json.dumps({"nonce": "5a" * 32, "expires": T0 + 300}).encode()


def request(batch, label):
    claims, n = cstrs(["age_under_12"])
    req = Request(batch, 1, label.encode(), 0, claims, n)
    body = STR()
    r = lib.sp_wallet_issuance_request(w, C.byref(body), b"abcd-efgh-jkmn",
                                       nonce_json, len(nonce_json),
                                       C.byref(req))
    check(r == SP_OK, f"issuance_request: {r}")
    return take(body) if r == SP_OK else "{}"


def issue(body, mode="honest"):
    p = subprocess.run([MKISSUED, tmp.name, mode], input=body.encode(),
                       capture_output=True, timeout=60, env=CHILD_ENV)
    check(p.returncode == 0, "mkissued: " + p.stderr.decode())
    return p.stdout


body = request(4, "Noor")
req = json.loads(body)
check(req["code"] == "ABCDEFGHJKMN" and len(req["proofs"]) == 4,
      "request body")
resp = issue(body, "foreign")
keyset = open(os.path.join(tmp.name, "keyset.cbor"), "rb").read()
pid = C.c_uint32()
gen = lib.sp_wallet_generation(w)
r = lib.sp_wallet_issuance_accept(w, C.byref(pid), resp, len(resp), keyset,
                                  len(keyset))
check(r == SP_ERR_WALLET_FOREIGN_KEY, f"foreign key refused: {r}")
check(lib.sp_wallet_generation(w) == gen, "refused batch saves nothing")
resp = issue(body)
check(lib.sp_wallet_issuance_accept(w, C.byref(pid), resp, len(resp),
                                    keyset, len(keyset)) == SP_OK,
      "accept")
check(lib.sp_wallet_pass_count(w) == 1, "one pass")
js = STR()
check(lib.sp_wallet_pass_json(w, C.byref(js), pid) == SP_OK, "pass_json")
info = json.loads(take(js))
check(info["pass_no"] == "0014-000777" and info["label"] == "Noor" and
      info["copies"] == 4 and info["claims"]["age_under_12"] is True,
      f"pass info {info}")

# ---- presenting ------------------------------------------------------------

issuer_key = os.path.join(tmp.name, "issuer.cose")


def present(offer, opts=None):
    qr = STR()
    r = lib.sp_wallet_present(w, C.byref(qr), pid, C.byref(offer),
                              C.byref(opts) if opts else None)
    return r, (take(qr) if r == SP_OK else None)


YEAR = 1
offer = Offer(3, b"sport", None, 0, YEAR, None)
n_writes = writes["n"]
r, qr = present(offer)
check(r == SP_OK and qr.startswith("SP1:"), f"present: {r}")
check(writes["n"] == n_writes + 1, "one durable save per presentation")
rc, obj = inspect(qr, issuer_key, clock["now"])
check(rc == 0 and obj and obj["ok"] and obj["verified"],
      f"stadspas inspect verifies: {obj and obj.get('error')}")
names = [c["name"] for c in obj["claims"]]
check(names == ["limit_tag"], f"only the limit tag disclosed: {names}")
check(obj["claims"][0]["value"][0] == "sport/2026", "scope sport/2026")
kb = binding(obj)
check(kb.get(4) == 3 and kb.get(5) == 1 and kb.get(1) == clock["now"],
      f"key binding {kb}")

# A claim-only offer, with audience and nonce from the till's QR.
claims, n = cstrs(["age_under_12"])
nonce = (C.c_uint8 * 4)(9, 8, 7, 6)
opts = PresentOpts(b"till-7", nonce, 4, False)
r, qr2 = present(Offer(5, None, claims, n, 0, None), opts)
rc, obj = inspect(qr2, issuer_key, clock["now"])
check(r == SP_OK and rc == 0 and
      [c["name"] for c in obj["claims"]] == ["age_under_12"],
      "age_under_12 only")
kb = binding(obj)
check(kb.get(2) == "till-7" and kb.get(3) == bytes([9, 8, 7, 6]) and
      kb.get(4) == 5 and kb.get(5) == 1, f"audience, nonce: {kb}")
claims, n = cstrs(["age_over_65"])
r, _ = present(Offer(6, None, claims, n, 0, None))
check(r == SP_ERR_WALLET_NOT_ELIGIBLE, f"not eligible: {r}")

# Refreshing: same text within 30 s, re-signed after.
again = STR()
resigned = C.c_bool(True)
check(lib.sp_wallet_present_refresh(w, C.byref(again),
                                    C.byref(resigned)) == SP_OK and
      not resigned.value and take(again) == qr2, "refresh < 30 s")
clock["now"] += 30
check(lib.sp_wallet_present_refresh(w, C.byref(again),
                                    C.byref(resigned)) == SP_OK and
      resigned.value, "refresh >= 30 s")
qr3 = take(again)
rc, obj = inspect(qr3, issuer_key, clock["now"])
check(qr3 != qr2 and rc == 0 and binding(obj).get(1) == clock["now"] and
      binding(obj).get(5) == 1, "re-signed with the new time")
rc, obj = inspect(qr2, issuer_key, clock["now"])
check(rc == 0 and binding(obj).get(1) == clock["now"] - 30,
      "the first QR carries the first time")
lib.sp_wallet_present_end(w)

# Tampering is caught by the verifier.
bad = qr[:40] + ("A" if qr[40] != "A" else "B") + qr[41:]
rc, obj = inspect(bad, issuer_key, T0)
check(rc == 1, "tampered QR refused")

# A failed write: no QR, nothing used.
writes["fail"] = 1
r, none = present(offer)
check(r == SP_ERR_STORAGE and none is None, f"failed save: {r}")
r, qr4 = present(offer)
rc, obj = inspect(qr4, issuer_key, clock["now"])
check(r == SP_OK and binding(obj).get(5) == 2, "counter 2 after failure")

# The fourth and last copy, then none is left (refresh the pass).
r, _ = present(offer)
check(r == SP_OK, f"last copy: {r}")
r, _ = present(offer)
check(r == -132, f"no copy left: {r}")

# ---- rendering and history -------------------------------------------------

txt = STR()
check(lib.sp_wallet_qr_text(C.byref(txt), qr4.encode(), 0) == SP_OK,
      "qr_text")
lines = take(txt).splitlines()
check(len(lines) > 20 and all(len(x) == len(lines[0]) for x in lines),
      "qr_text block")
png = C.POINTER(C.c_uint8)()
png_len = C.c_size_t()
check(lib.sp_wallet_qr_png(C.byref(png), C.byref(png_len), qr4.encode(),
                           4) == SP_OK, "qr_png")
check(bytes(png[:8]) == b"\x89PNG\r\n\x1a\n", "PNG signature")
lib.sp_wallet_bytes_free(png, png_len)

hist = STR()
check(lib.sp_wallet_history_json(w, C.byref(hist)) == SP_OK, "history")
h = json.loads(take(hist))
check([e["offer"] for e in h] == [3, 5, 3, 3] and
      h[1]["audience"] == "till-7" and h[1]["claims"] == ["age_under_12"],
      f"history {h}")

# Reopen: everything is still there.
lib.sp_wallet_free(C.byref(w))
check(lib.sp_wallet_open_pin(C.byref(w), None, C.byref(ops), b"ffi",
                             b"2580") == SP_OK, "reopen")
check(lib.sp_wallet_pass_json(w, C.byref(js), pid) == SP_OK and
      json.loads(take(js))["unused"] == 0, "used copies persisted")
lib.sp_wallet_free(C.byref(w))
lib.sp_wallet_posix_free(C.byref(px))
tmp.cleanup()

print(f"test_ffi: {checks - failures} checks passed, {failures} failed")
sys.exit(1 if failures else 0)
