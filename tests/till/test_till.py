#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`stadspas till` against the real stadspas-issuerd on loopback: init and
pinning, sync from the daemon and from files (a tampered file refused),
verify and redeem (replay, weekly limit, QR image), a stale registry
(--now past 24 h), two tills redeeming in parallel under one limit, the
WebSocket push after a revocation, export and status. Real wallets
(`stadspas wallet`), real signatures, real LMDB files.

usage: test_till.py STADSPAS STADSPAS-ISSUERD TILLKIT
Only the standard library; exit 0 = pass.
"""
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

STADSPAS = os.path.abspath(sys.argv[1])
DAEMON = os.path.abspath(sys.argv[2])
TILLKIT = os.path.abspath(sys.argv[3])
PIN = '4711-till'
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what, flush=True)
    return cond


class Issuerd:
    """stadspas-issuerd on 127.0.0.1 with a temp data dir; reads its log
    for the port, the bootstrap token and the issuer key fingerprint."""

    def __init__(self, data):
        self.lines = []
        self.cv = threading.Condition()
        self.p = subprocess.Popen(
            [DAEMON, '--data-dir', data, '--listen', '127.0.0.1:0',
             '--admin-bootstrap'],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.time() + 30
        with self.cv:
            while not any('msg=listening' in l for l in self.lines):
                if self.p.poll() is not None or time.time() > deadline:
                    print('\n'.join(self.lines))
                    raise RuntimeError('daemon did not start')
                self.cv.wait(1)
        text = '\n'.join(self.lines)
        self.port = int(re.search(r'msg=listening.*port=(\d+)',
                                  text).group(1))
        self.token = re.search(r'admin bootstrap token .*: ([0-9a-f]{64})',
                               text).group(1)
        m = re.search(r'issuer key fingerprint ([0-9a-f]{64})', text)
        self.fingerprint = m.group(1) if m else None
        self.cert = os.path.join(data, 'tls', 'cert.pem')
        self.url = 'https://127.0.0.1:%d' % self.port

    def _read(self):
        for raw in self.p.stderr:
            with self.cv:
                self.lines.append(raw.decode('utf-8', 'replace').rstrip())
                self.cv.notify_all()

    def get(self, path):
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        with urllib.request.urlopen(self.url + path, context=ctx,
                                    timeout=30) as r:
            return r.read()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def run(args, env=None, stdin=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([STADSPAS] + args, capture_output=True, text=True,
                          env=e, timeout=90, input=stdin,
                          stdin=None if stdin is not None else
                          subprocess.DEVNULL)


def main():
    tmp = tempfile.mkdtemp(prefix='sp-till-')
    d = Issuerd(os.path.join(tmp, 'data'))
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
    t0 = time.time()
    check(d.fingerprint is not None, 'daemon logs the key fingerprint')
    tok = os.path.join(tmp, 'admin.token')
    with open(tok, 'w') as f:
        f.write(d.token + '\n')
    os.chmod(tok, 0o600)
    adm = ['admin', '--url', d.url, '--ca', d.cert, '--token-file', tok,
           '--json']

    def admin(args):
        p = run(adm + args)
        check(p.returncode == 0, 'admin %s: %s' % (args, p.stderr))
        return json.loads(p.stdout) if p.returncode == 0 else {}

    # ---- help and usage ----
    for h in (['till', '--help'], ['till', 'init', '--help'],
              ['till', 'sync', '--help'], ['till', 'verify', '-h'],
              ['till', 'redeem', '--help'], ['till', 'export', '--help'],
              ['till', 'status', '--help'], ['help', 'till']):
        p = run(h)
        check(p.returncode == 0 and 'usage: stadspas till' in p.stdout
              and 'example' in p.stdout, 'help %s' % h)
    check('till' in run(['--help']).stdout, 'till in stadspas --help')
    p = run(['till', 'frobnicate'])
    check(p.returncode == 2 and "'frobnicate'" in p.stderr, 'bad sub')
    p = run(['till', 'verify', 'SP1:x'])
    check(p.returncode == 2 and '--dir' in p.stderr, 'no --dir')
    tdir = os.path.join(tmp, 'till')
    p = run(['till', 'verify', '--dir', tdir, 'SP1:x'])
    check(p.returncode == 2 and 'init' in p.stderr, 'no till yet')

    # ---- init: a key first, then the provider, then pinning ----
    p = run(['till', 'init', '--dir', tdir])
    check(p.returncode == 0 and 'till key' in p.stdout, 'init key: %s' %
          p.stderr)
    st = os.stat(tdir)
    check(st.st_mode & 0o777 == 0o700, 'till dir 0700')
    check(os.stat(os.path.join(tdir, 'till.key')).st_mode & 0o777 == 0o600,
          'till.key 0600')
    check(os.path.getsize(os.path.join(tdir, 'till.key')) == 32,
          'till.key holds a 32-byte seed')
    with open(os.path.join(tdir, 'till.key'), 'rb') as f:
        seed = f.read()
    pub = open(os.path.join(tdir, 'till.pub.hex')).read().strip()
    check(re.fullmatch(r'[0-9a-f]+', pub) is not None and pub in p.stdout,
          'public key printed and saved')
    check(seed.hex() not in p.stdout, 'seed not printed')
    pv = admin(['provider', 'add', '--name', 'Zwembad', '--till-key',
                os.path.join(tdir, 'till.pub.hex')]).get('provider', 'p?')
    bad_fp = '00' * 32
    p = run(['till', 'init', '--dir', tdir, '--provider', pv, '--server',
             d.url, '--cacert', d.cert, '--fingerprint', bad_fp])
    check(p.returncode == 1 and 'fingerprint' in p.stderr,
          'wrong fingerprint refused: %d %s' % (p.returncode, p.stderr))
    p = run(['till', '--json', 'init', '--dir', tdir, '--provider', pv,
             '--server', d.url, '--cacert', d.cert, '--fingerprint',
             d.fingerprint or bad_fp])
    check(p.returncode == 0, 'init pin: %s' % p.stderr)
    j = json.loads(p.stdout or '{}')
    check(j.get('created') is False and j.get('till_key') == pub and
          j.get('trust_version', 0) >= 1, 'init json %r' % j)
    with open(os.path.join(tdir, 'till.key'), 'rb') as f:
        check(f.read() == seed, 'init again keeps the key')
    p = run(['till', 'init', '--dir', tdir, '--provider', 'p99'])
    check(p.returncode == 2 and pv in p.stderr, 'provider not changed')
    T = ['--dir', tdir]

    # ---- a resident with a wallet, offers ----
    r = admin(['resident', 'add', '--name', 'A. de Vries', '--birth-year',
               '1961', '--category', 'sport', '--category', 'culture'])
    rid = r.get('resident', 'r1')
    code = admin(['resident', 'code', rid]).get('code', '')
    wdir = os.path.join(tmp, 'w')
    penv = {'STADSPAS_WALLET_PIN': PIN}
    p = run(['wallet', '--dir', wdir, 'init'], penv)
    check(p.returncode == 0, 'wallet init %s' % p.stderr)
    p = run(['wallet', '--dir', wdir, 'enrol', '--url', d.url, '--ca',
             d.cert, '--code', code], penv)
    check(p.returncode == 0, 'wallet enrol %s' % p.stderr)
    swim = admin(['offer', 'add', '--provider', pv, '--title', 'Swim',
                  '--category', 'sport', '--limit', '1/week',
                  '--amount-cents', '350'])['offer']
    gym = admin(['offer', 'add', '--provider', pv, '--title', 'Gym',
                 '--category', 'sport', '--limit', '3/week',
                 '--amount-cents', '200'])['offer']
    museum = admin(['offer', 'add', '--provider', pv, '--title', 'Museum',
                    '--category', 'culture', '--amount-cents', '500'])['offer']
    admin(['catalogue', 'publish'])

    def present(offer, png=None, wd=None):
        args = ['wallet', '--dir', wd or wdir, 'present', '--offer', str(offer),
                '--url', d.url, '--ca', d.cert, '--audience', pv]
        if png:
            args += ['--png', png]
        p = run(args, penv)
        check(p.returncode == 0, 'present %s: %s' % (offer, p.stderr))
        return p.stdout.splitlines()[0] if p.stdout else 'SP1:'

    def till(args, code=None, stdin=None):
        p = run(['till'] + args[:1] + T + args[1:], stdin=stdin)
        if code is not None:
            check(p.returncode == code, 'till %s: exit %d (want %d): %s %s'
                  % (args[:3], p.returncode, code, p.stdout, p.stderr))
        return p

    def verdict(args, code):
        p = till([args[0], '--json'] + args[1:], code)
        try:
            return json.loads(p.stdout)
        except ValueError:
            return {}

    # ---- before any sync: no registry ----
    q = present(museum)
    j = verdict(['verify', '--offer', str(museum), q], 1)
    check(j.get('approved') is False, 'unsynced till refuses %r' % j)

    # ---- sync from the daemon ----
    p = till(['sync'], 0)
    check('registry size' in p.stdout and 'catalogue version: 1' in
          p.stdout and 'checkpoint age' in p.stdout, 'sync out %r' %
          p.stdout)
    p = till(['sync', '--json'], 0)
    j = json.loads(p.stdout or '{}')
    check(j.get('ok') is True and j.get('registry_size', -1) >= 0 and
          j.get('catalogue_version') == 1 and j.get('trust_version') >= 1
          and 0 <= j.get('checkpoint_age', -1) < 60, 'sync json %r' % j)
    p = run(['till', 'sync', '--dir', tdir, '--server',
             'https://127.0.0.1:1'])
    check(p.returncode == 3, 'sync no connection: exit %d' % p.returncode)

    # ---- verify and redeem ----
    j = verdict(['verify', '--offer', str(museum), q], 0)
    check(j.get('approved') is True and j.get('reason') == 'ok' and
          j.get('claims', {}).get('category') == 'culture' and
          'name' not in j.get('claims', {}), 'verify museum %r' % j)
    p = till(['verify', '--offer', str(museum), q], 0)
    check(p.stdout.startswith('YES') and 'Museum' in p.stdout and
          'registry:' in p.stdout, 'human YES %r' % p.stdout)
    p = till(['verify', '--offer', str(museum), '-'], 0, stdin=q + '\n')
    check(p.stdout.startswith('YES'), 'verify from stdin')
    j = verdict(['redeem', '--offer', str(museum), q], 0)
    rc = j.get('receipt', {})
    check(j.get('approved') is True and rc.get('seq') == 1 and
          re.fullmatch(r'[0-9a-f]{64}', rc.get('record_hash', '')),
          'redeem receipt %r' % j)
    j = verdict(['redeem', '--offer', str(museum), q], 1)
    check(j.get('reason') == 'replayed', 'same QR twice: %r' % j)
    p = till(['verify', '--offer', str(museum), q], 1)
    check(p.stdout.startswith('NO') and 'replayed' in p.stdout,
          'verify says replayed %r' % p.stdout)
    j = verdict(['verify', '--offer', str(museum), 'SP1:NOT-A-PASS'], 1)
    check(j.get('reason') == 'malformed', 'garbage %r' % j)
    j = verdict(['verify', '--offer', str(swim), q], 1)
    check(j.get('reason') == 'offer_mismatch', 'other offer %r' % j)

    # Weekly limit 1: a second fresh presentation is limit_reached.
    j = verdict(['redeem', '--offer', str(swim), present(swim)], 0)
    check(j.get('approved') is True, 'first swim %r' % j)
    q2 = present(swim)
    j = verdict(['verify', '--offer', str(swim), q2], 1)
    check(j.get('reason') == 'limit_reached', 'verify limit %r' % j)
    j = verdict(['redeem', '--offer', str(swim), q2], 1)
    check(j.get('reason') == 'limit_reached', 'second swim %r' % j)

    # QR from a PNG.
    png = os.path.join(tmp, 'qr.png')
    present(museum, png)
    p = till(['verify', '--offer', str(museum), '--image', png], 0)
    check(p.stdout.startswith('YES'), 'verify --image %r %r' %
          (p.stdout, p.stderr))
    p = till(['verify', '--image', os.path.join(tmp, 'none.png')], 2)

    # ---- stale registry: the clock 25 h ahead ----
    later = int(time.time()) + 25 * 3600
    cat = os.path.join(tmp, 'offers.cbor')
    with open(cat, 'wb') as f:
        f.write(d.get('/registry/offers'))

    def present_at(offer, t):
        p = subprocess.run([TILLKIT, 'present', wdir, cat, str(offer), pv,
                            str(t)], capture_output=True, text=True,
                           env=dict(os.environ, **penv), timeout=60)
        check(p.returncode == 0, 'tillkit %s' % p.stderr)
        return p.stdout.strip()

    j = verdict(['verify', '--now', str(later), '--offer', str(gym),
                 present_at(gym, later)], 1)
    check(j.get('reason') == 'registry_too_old' and
          j.get('registry_warning') is True, 'stale limited %r' % j)
    p = till(['verify', '--now', str(later), '--offer', str(museum),
              present_at(museum, later)], 0)
    check(p.stdout.startswith('YES') and 'WARNING' in p.stdout,
          'stale unlimited: warning only %r' % p.stdout)

    # ---- sync from files, a tampered file refused ----
    fdir = os.path.join(tmp, 'usb')
    os.mkdir(fdir)
    for name, path in (('trust.cbor', '/registry/trust'),
                       ('snapshot.cbor', '/registry/1/snapshot'),
                       ('offers.cbor', '/registry/offers')):
        with open(os.path.join(fdir, name), 'wb') as f:
            f.write(d.get(path))
    t2 = os.path.join(tmp, 'till2')
    p = run(['till', 'init', '--dir', t2])
    pub2 = open(os.path.join(t2, 'till.pub.hex')).read().strip()
    check(pub2 != pub, 'each till its own key')
    p = run(['till', 'init', '--dir', t2, '--provider', pv, '--trust',
             os.path.join(fdir, 'trust.cbor'), '--fingerprint',
             d.fingerprint or bad_fp])
    check(p.returncode == 0, 'init --trust %s' % p.stderr)
    p = run(['till', 'sync', '--dir', t2, '--from', fdir, '--json'])
    j = json.loads(p.stdout or '{}')
    check(p.returncode == 0 and j.get('bootstrapped') is True and
          j.get('catalogue_version') == 1, 'sync --from %r %s' %
          (j, p.stderr))
    # Now a delta file (from 0: a gap for a bootstrapped till -> the
    # snapshot again) and a tampered catalogue.
    with open(os.path.join(fdir, 'delta.cbor'), 'wb') as f:
        f.write(d.get('/registry/1/delta?from=0'))
    with open(os.path.join(fdir, 'offers.cbor'), 'r+b') as f:
        f.seek(-3, 2)
        f.write(b'\0\0\0')
    p = run(['till', 'sync', '--dir', t2, '--from', fdir])
    check(p.returncode == 1 and 'catalogue' in p.stderr,
          'tampered offers.cbor refused: %d %s' % (p.returncode, p.stderr))
    os.unlink(os.path.join(fdir, 'offers.cbor'))
    with open(os.path.join(fdir, 'snapshot.cbor'), 'r+b') as f:
        f.seek(-5, 2)
        f.write(b'\x01\x02\x03\x04\x05')
    os.unlink(os.path.join(fdir, 'delta.cbor'))
    p2 = run(['till', 'init', '--dir', os.path.join(tmp, 'till3'),
              '--provider', pv, '--trust', os.path.join(fdir, 'trust.cbor'),
              '--fingerprint', d.fingerprint or bad_fp])
    p = run(['till', 'sync', '--dir', os.path.join(tmp, 'till3'), '--from',
             fdir])
    check(p2.returncode == 0 and p.returncode == 1 and
          'snapshot' in p.stderr, 'tampered snapshot refused: %d %s' %
          (p.returncode, p.stderr))

    # ---- two tills in parallel, one ledger, limit 3 per week ----
    # A second resident's wallet (a wallet holds 10 pass copies).
    r2 = admin(['resident', 'add', '--name', 'B. Bakker', '--birth-year',
                '1990', '--category', 'sport'])
    code2 = admin(['resident', 'code', r2.get('resident', 'r2')]).get(
        'code', '')
    wdir2 = os.path.join(tmp, 'w2')
    run(['wallet', '--dir', wdir2, 'init'], penv)
    p = run(['wallet', '--dir', wdir2, 'enrol', '--url', d.url, '--ca',
             d.cert, '--code', code2], penv)
    check(p.returncode == 0, 'wallet 2 enrol %s' % p.stderr)
    qs = [present(gym, wd=wdir2) for _ in range(8)]
    results = []
    lock = threading.Lock()

    def worker(part):
        for x in part:
            p = run(['till', 'redeem', '--dir', tdir, '--json', '--offer',
                     str(gym), x])
            with lock:
                results.append((p.returncode,
                                json.loads(p.stdout or '{}').get('reason')))

    ths = [threading.Thread(target=worker, args=(qs[i::2],))
           for i in range(2)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    yes = sum(1 for c, _ in results if c == 0)
    check(yes == 3 and len(results) == 8 and
          all(r == 'limit_reached' for c, r in results if c != 0),
          'parallel redeems: %r' % results)

    # ---- --follow: a revocation arrives by push ----
    qr_rev = present(museum)
    f = subprocess.Popen([STADSPAS, 'till', 'sync', '--dir', tdir,
                          '--follow', '--max-updates', '1', '--json'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True)
    first = f.stdout.readline()
    check('"connected"' in first, 'follow connected %r' % first)
    admin(['resident', 'revoke', rid, '--reason', '1'])
    try:
        out, err = f.communicate(timeout=20)
        check(f.returncode == 0 and '"update"' in out,
              'follow update: %d %r %r' % (f.returncode, out, err))
    except subprocess.TimeoutExpired:
        f.kill()
        f.communicate()
        check(False, 'no push within 20 s')
    j = verdict(['verify', '--offer', str(museum), qr_rev], 1)
    check(j.get('reason') == 'revoked', 'revoked after push %r' % j)
    # SIGTERM stops a follower cleanly.
    f = subprocess.Popen([STADSPAS, 'till', 'sync', '--dir', tdir,
                          '--follow'], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         text=True)
    f.stdout.readline()
    f.send_signal(signal.SIGTERM)
    try:
        f.communicate(timeout=10)
        check(f.returncode == 0, 'SIGTERM: exit %d' % f.returncode)
    except subprocess.TimeoutExpired:
        f.kill()
        f.communicate()
        check(False, 'follower ignores SIGTERM')

    # No server: retries with back-off (1 s, then about 2 s), SIGTERM ends.
    f = subprocess.Popen([STADSPAS, 'till', 'sync', '--dir', tdir,
                          '--follow', '--server', 'https://127.0.0.1:1'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True)
    time.sleep(3.5)
    f.send_signal(signal.SIGTERM)
    try:
        out, err = f.communicate(timeout=10)
        waits = [float(x) for x in re.findall(r'retrying in ([0-9.]+) s',
                                              err)]
        check(f.returncode == 0 and len(waits) >= 2 and
              0.7 <= waits[0] <= 1.3 and 1.5 <= waits[1] <= 2.5,
              'back-off %r exit %d' % (waits, f.returncode))
    except subprocess.TimeoutExpired:
        f.kill()
        f.communicate()
        check(False, 'retrying follower ignores SIGTERM')

    # ---- export and status ----
    out = os.path.join(tmp, 'batch.cbor')
    j = json.loads(till(['export', '--json', '--out', out], 0).stdout or
                   '{}')
    check(j.get('records') == 5 and j.get('first') == 1 and
          os.path.getsize(out) > 0, 'export %r' % j)
    p = till(['export', '--out', out + '2'], 0)
    check('nothing to export' in p.stdout and not os.path.exists(out + '2'),
          'export again: nothing')
    j = json.loads(till(['status', '--json', '--verify'], 0).stdout or
                   '{}')
    check(j.get('provider') == pv and j.get('chain_ok') is True and
          j.get('ledger', {}).get('records') == 5 and
          j.get('ledger', {}).get('exported') == 5 and
          sorted(o['id'] for o in j.get('offers', [])) ==
          sorted([swim, gym, museum]), 'status %r' % j)
    p = till(['status'], 0)
    check('checkpoint age' in p.stdout and 'ledger records' in p.stdout,
          'status human %r' % p.stdout)
    print('test_till: %.1f s' % (time.time() - t0))


if __name__ == '__main__':
    sys.exit(main())
