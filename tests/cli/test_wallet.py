#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`stadspas wallet` against the real stadspas-issuerd on loopback: init,
enrol with a code from `stadspas admin`, list, present for a published
offer (the PNG read back and verified by `stadspas inspect`, disclosing
only the offer's claims), history; code reuse, wrong PIN, usage errors.

usage: test_wallet.py STADSPAS STADSPAS-ISSUERD
Only the standard library; exit 0 = pass.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_admin import Daemon  # noqa: E402  (same argv: STADSPAS DAEMON)

STADSPAS = os.path.abspath(sys.argv[1])
FAILS = []
PIN = '4711-test'


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what, flush=True)
    return cond


def run(args, env=None):
    e = dict(os.environ)
    for k in ('STADSPAS_ADMIN_TOKEN', 'STADSPAS_WALLET_PIN'):
        e.pop(k, None)
    e.update(env or {})
    return subprocess.run([STADSPAS] + args, capture_output=True, text=True,
                          env=e, timeout=60, stdin=subprocess.DEVNULL)


def cbor_skip(b, i):
    """Index just past the CBOR data item at b[i] (definite lengths)."""
    ib = b[i]
    major, info = ib >> 5, ib & 0x1f
    i += 1
    if info < 24:
        n = info
    elif info <= 27:
        size = 1 << (info - 24)
        n = int.from_bytes(b[i:i + size], 'big')
        i += size
    else:
        raise ValueError('indefinite length')
    if major in (0, 1, 7):
        return i
    if major in (2, 3):
        return i + n
    if major == 4:
        for _ in range(n):
            i = cbor_skip(b, i)
        return i
    if major == 5:
        for _ in range(2 * n):
            i = cbor_skip(b, i)
        return i
    return cbor_skip(b, i)  # tag


def first_key(keyset):
    """The first COSE_Key of a COSE_KeySet (CBOR array)."""
    check(keyset[0] >> 5 == 4, 'key set is a CBOR array')
    i = 1 + {24: 1, 25: 2, 26: 4, 27: 8}.get(keyset[0] & 0x1f, 0)
    return keyset[i:cbor_skip(keyset, i)]


def main():
    tmp = tempfile.mkdtemp(prefix='sp-wallet-')
    d = Daemon(os.path.join(tmp, 'data'))
    try:
        body(d, tmp)
    finally:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print('%d failure(s)' % len(FAILS))
        return 1
    print('ok')
    return 0


def body(d, tmp):
    url = 'https://127.0.0.1:%d' % d.port
    tok = os.path.join(tmp, 'admin.token')
    with open(tok, 'w') as f:
        f.write(d.token + '\n')
    os.chmod(tok, 0o600)
    adm = ['admin', '--url', url, '--ca', d.cert, '--token-file', tok,
           '--json']

    def admin(args):
        p = run(adm + args)
        check(p.returncode == 0, 'admin %s: %s' % (args, p.stderr))
        return json.loads(p.stdout) if p.returncode == 0 else {}

    wdir = os.path.join(tmp, 'w')
    pinf = os.path.join(tmp, 'pin')
    with open(pinf, 'w') as f:
        f.write(PIN + '\n')
    os.chmod(pinf, 0o600)
    g = ['wallet', '--dir', wdir]
    penv = {'STADSPAS_WALLET_PIN': PIN}

    def ok(args, what, env=penv):
        p = run(g + args, env=env)
        check(p.returncode == 0, '%s: exit %d: %s' %
              (what, p.returncode, p.stderr))
        return p

    # Help at every level, usage errors.
    for h in (['wallet', '--help'], ['wallet', 'init', '--help'],
              ['wallet', 'enrol', '--help'], ['wallet', 'present', '-h'],
              ['wallet', 'list', '--help'], ['wallet', 'history', '--help'],
              ['help', 'wallet']):
        p = run(h)
        check(p.returncode == 0 and 'usage: stadspas wallet' in p.stdout
              and 'example' in p.stdout, 'help %s' % h)
    check('wallet' in run(['--help']).stdout, 'wallet in stadspas --help')
    p = run(g + ['frobnicate'])
    check(p.returncode == 2 and "'frobnicate'" in p.stderr, 'bad sub')
    p = run(g + ['present', '--offer', 'x1', '--catalogue', 'f'], penv)
    check(p.returncode == 2 and "'x1'" in p.stderr, 'bad --offer')
    p = run(g + ['init'])
    check(p.returncode == 2 and 'PIN' in p.stderr, 'no PIN, no tty')

    # init: PIN file mode is checked; then from the file.
    os.chmod(pinf, 0o644)
    p = run(g + ['init', '--pin-file', pinf])
    check(p.returncode == 2 and '0644' in p.stderr, 'pin file mode')
    os.chmod(pinf, 0o600)
    ok(['init', '--pin-file', pinf], 'init', env={})
    p = run(g + ['init'], penv)
    check(p.returncode == 1 and 'already' in p.stderr, 'init twice')
    p = ok(['--json', 'list'], 'list empty')
    check(json.loads(p.stdout) == {'passes': []}, 'empty list json')

    # A resident and a code.
    r = admin(['resident', 'add', '--name', 'A. de Vries', '--birth-year',
               '1961', '--household', '2', '--category', 'sport',
               '--category', 'culture'])
    rid = r.get('resident', 'r1')
    code = admin(['resident', 'code', rid]).get('code', '')
    check(re.fullmatch(r'[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}', code),
          'code %r' % code)

    # Enrol: connection and TLS failures first (exit 3), nothing stored.
    p = run(g + ['enrol', '--url', 'https://127.0.0.1:1', '--code', code],
            penv)
    check(p.returncode == 3, 'enrol no connection: %d %s' %
          (p.returncode, p.stderr))
    p = run(g + ['enrol', '--url', url, '--code', code], penv)
    check(p.returncode == 3, 'enrol untrusted cert: %d' % p.returncode)
    p = ok(['enrol', '--url', url, '--ca', d.cert, '--code', code],
           'enrol')
    m = re.search(r'pass number (\S+), (\d+) copies', p.stdout)
    check(m is not None and int(m.group(2)) == 10, 'enrol output %r' %
          p.stdout)
    pass_no = m.group(1).rstrip(',') if m else '?'
    # The code is single-use: the daemon's `gone`, exit 1.
    p = run(g + ['--json', 'enrol', '--url', url, '--ca', d.cert,
                 '--code', code], penv)
    check(p.returncode == 1 and 'gone' in p.stderr, 'code reuse: %d %s' %
          (p.returncode, p.stderr))
    check(json.loads(p.stdout or '{}').get('error') == 'gone',
          'code reuse json %r' % p.stdout)

    p = ok(['list'], 'list')
    check(pass_no in p.stdout and '10/10' in p.stdout, 'list %r' %
          p.stdout)
    p = ok(['--json', 'list'], 'list --json')
    ps = json.loads(p.stdout)['passes']
    check(len(ps) == 1 and ps[0]['pass_no'] == pass_no and
          ps[0]['unused'] == 10 and ps[0]['valid_until'] > 0 and
          'claims' not in ps[0], 'list json %r' % ps)

    # Wrong PIN: exit 1, a clear message, no pass data.
    p = run(g + ['list'], {'STADSPAS_WALLET_PIN': '0000'})
    check(p.returncode == 1 and 'wrong PIN' in p.stderr and
          pass_no not in p.stdout, 'wrong PIN: %d %s' %
          (p.returncode, p.stderr))

    # An offer in a published catalogue.
    pv = admin(['provider', 'add', '--name', 'Zwembad'])['provider']
    oid = admin(['offer', 'add', '--provider', pv, '--title', 'Swim',
                 '--category', 'sport', '--requires', 'age_over_65',
                 '--limit', '10/year', '--amount-cents', '350'])['offer']
    admin(['catalogue', 'publish'])

    png = os.path.join(tmp, 'out.png')
    p = ok(['present', '--offer', str(oid), '--url', url, '--ca', d.cert,
            '--audience', pv, '--nonce', '00112233', '--png', png],
           'present')
    sp1 = p.stdout.splitlines()[0] if p.stdout else ''
    check(sp1.startswith('SP1:') and ('\u2580' in p.stdout or
          '\u2584' in p.stdout or '\u2588' in p.stdout),
          'present output %r' % p.stdout[:200])
    keyf = os.path.join(tmp, 'issuer.cose')
    with open(os.path.join(wdir, 'registry-keys.cbor'), 'rb') as f:
        ks = f.read()
    with open(keyf, 'wb') as f:
        f.write(first_key(ks))
    p = run(['inspect', '--image', png, '--key', keyf, '--json'])
    check(p.returncode == 0, 'inspect png: %d %s %s' %
          (p.returncode, p.stdout, p.stderr))
    j = json.loads(p.stdout or '{}')
    names = sorted(c.get('name') for c in j.get('claims', []))
    check(j.get('ok') is True and j.get('verified') is True,
          'inspect ok %r' % j)
    check('name' not in names and 'birth_year' not in names and
          'pass_no' not in names and 'age_over_65' in names and
          set(names) <= {'age_over_65', 'category', 'limit_tag',
                          'limit_key'},
          'only the offer claims: %r' % names)

    # The catalogue from a file, checked with the saved keys; --json.
    cat = os.path.join(tmp, 'offers.cbor')
    import ssl
    import urllib.request
    ctx = ssl.create_default_context(cafile=d.cert)
    ctx.check_hostname = False
    with urllib.request.urlopen(url + '/registry/offers', context=ctx,
                                timeout=30) as r:
        with open(cat, 'wb') as f:
            f.write(r.read())
    p = ok(['--json', 'present', '--offer', str(oid), '--catalogue', cat],
           'present --catalogue')
    j = json.loads(p.stdout or '{}')
    check(j.get('qr', '').startswith('SP1:') and j.get('offer') == oid,
          'present json %r' % j)
    p = run(g + ['present', '--offer', '99', '--catalogue', cat], penv)
    check(p.returncode == 1 and "'99'" in p.stderr, 'unknown offer')
    old_cat = os.path.join(tmp, 'offers-v1.cbor')
    shutil.copyfile(cat, old_cat)
    with open(cat, 'r+b') as f:
        f.seek(-3, 2)
        f.write(b'\0\0\0')
    p = run(g + ['present', '--offer', str(oid), '--catalogue', cat], penv)
    check(p.returncode == 1 and 'catalogue' in p.stderr,
          'tampered catalogue: %d %s' % (p.returncode, p.stderr))

    # A newer catalogue seen, the older one is a rollback (nothing used).
    admin(['catalogue', 'publish'])
    p = run(g + ['present', '--offer', '99', '--url', url, '--ca', d.cert],
            penv)
    check(p.returncode == 1 and 'version 2' in p.stderr,
          'newer catalogue fetched: %s' % p.stderr)
    p = run(g + ['present', '--offer', str(oid), '--catalogue', old_cat],
            penv)
    check(p.returncode == 1 and 'rollback' in p.stderr,
          'catalogue rollback: %d %s' % (p.returncode, p.stderr))

    p = ok(['history'], 'history')
    lines = [l for l in p.stdout.splitlines()[1:] if l.strip()]
    check(len(lines) == 2 and pv in lines[0] and 'age_over_65' in lines[0],
          'history %r' % p.stdout)
    p = ok(['--json', 'history'], 'history --json')
    h = json.loads(p.stdout)['history']
    check(len(h) == 2 and h[0]['offer'] == oid and
          h[0]['audience'] == pv, 'history json %r' % h)
    p = ok(['list'], 'list after')
    check('8/10' in p.stdout, 'two copies used %r' % p.stdout)


if __name__ == '__main__':
    sys.exit(main())
