#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Settlement end to end: the real stadspas-issuerd on loopback, two real
tills of one provider (`stadspas till init/sync/redeem/export`), a real
wallet. Both tills approve one pass for a 1-a-week offer while offline
from each other; a revoked pass is approved by a till that did not sync.
`stadspas admin settle import` of both batches: the second swim is
over_limit, the revoked pass is `revoked` (CSV and JSON reports),
re-importing changes nothing, the evidence of the flagged record is
served. A provider uploads a batch with POST /settlement/batches without
a token (python http.client, and `stadspas till upload`); a tampered
batch is refused.

usage: test_settle_daemon.py STADSPAS STADSPAS-ISSUERD
Only the standard library; exit 0 = pass.
"""
import csv
import http.client
import io
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

STADSPAS = os.path.abspath(sys.argv[1])
DAEMON = os.path.abspath(sys.argv[2])
PIN = '4711-settle'
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what, flush=True)
    return cond


class Issuerd:
    """stadspas-issuerd on 127.0.0.1:0 with a temp data dir; its log gives
    the port, the bootstrap token and the key fingerprint."""

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
        self.fingerprint = re.search(
            r'issuer key fingerprint ([0-9a-f]{64})', text).group(1)
        self.cert = os.path.join(data, 'tls', 'cert.pem')
        self.url = 'https://127.0.0.1:%d' % self.port

    def _read(self):
        for raw in self.p.stderr:
            with self.cv:
                self.lines.append(raw.decode('utf-8', 'replace').rstrip())
                self.cv.notify_all()

    def post(self, path, body, ctype='application/cbor'):
        """A POST without a token; returns (status, parsed JSON)."""
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        c = http.client.HTTPSConnection('127.0.0.1', self.port, context=ctx,
                                        timeout=30)
        try:
            c.request('POST', path, body=body,
                      headers={'Content-Type': ctype})
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        try:
            return r.status, json.loads(data)
        except ValueError:
            return r.status, {}

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def run(args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([STADSPAS] + args, capture_output=True, text=True,
                          env=e, timeout=90, stdin=subprocess.DEVNULL)


def main():
    tmp = tempfile.mkdtemp(prefix='sp-settle-')
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


def records(report):
    """(till, seq) -> record of a JSON report."""
    out = {}
    for p in report.get('providers', []):
        for r in p.get('records', []):
            out[(r['till'], r['seq'])] = dict(r, provider=p['provider'])
    return out


def body(d, tmp):
    t0 = time.time()
    tok = os.path.join(tmp, 'admin.token')
    with open(tok, 'w') as f:
        f.write(d.token + '\n')
    os.chmod(tok, 0o600)
    adm = ['admin', '--url', d.url, '--ca', d.cert, '--token-file', tok]

    def admin(args, code=0):
        p = run(adm + ['--json'] + args)
        check(p.returncode == code, 'admin %s: exit %d: %s' %
              (args, p.returncode, p.stderr))
        try:
            return json.loads(p.stdout)
        except ValueError:
            return {}

    def raw(args, code=0):
        p = run(adm + args)
        check(p.returncode == code, 'admin %s: exit %d: %s' %
              (args, p.returncode, p.stderr))
        return p

    # ---- help ----
    p = run(['admin', 'settle', '--help'])
    check(p.returncode == 0 and 'usage: stadspas admin' in p.stdout and
          'settle report' in p.stdout and 'example' in p.stdout,
          'settle --help %r' % p.stdout)
    p = run(adm + ['settle', 'frobnicate'])
    check(p.returncode == 2, 'unknown settle subcommand: %d' % p.returncode)
    p = run(adm + ['settle', 'evidence', 'XYZ', '1'])
    check(p.returncode == 2 and 'TILL8' in p.stderr, 'bad TILL8 usage')

    # ---- two tills of one provider, pinned and synced ----
    tills = [os.path.join(tmp, 'till%d' % i) for i in (1, 2)]
    for t in tills:
        p = run(['till', 'init', '--dir', t])
        check(p.returncode == 0, 'till init %s' % p.stderr)
    pv = admin(['provider', 'add', '--name', 'Zwembad'] +
               sum([['--till-key', os.path.join(t, 'till.pub.hex')]
                    for t in tills], [])).get('provider', 'p?')
    swim = admin(['offer', 'add', '--provider', pv, '--title', 'Swim',
                  '--category', 'sport', '--limit', '1/week',
                  '--amount-cents', '350']).get('offer', 0)
    museum = admin(['offer', 'add', '--provider', pv, '--title', 'Museum',
                    '--category', 'sport', '--amount-cents',
                    '500']).get('offer', 0)
    admin(['catalogue', 'publish'])
    for t in tills:
        p = run(['till', 'init', '--dir', t, '--provider', pv, '--server',
                 d.url, '--cacert', d.cert, '--fingerprint', d.fingerprint])
        check(p.returncode == 0, 'till pin %s' % p.stderr)
        p = run(['till', 'sync', '--dir', t])
        check(p.returncode == 0, 'till sync %s' % p.stderr)

    # ---- residents with wallets ----
    penv = {'STADSPAS_WALLET_PIN': PIN}

    def wallet(name):
        r = admin(['resident', 'add', '--name', name, '--birth-year',
                   '1980', '--category', 'sport'])
        rid = r.get('resident', 'r?')
        code = admin(['resident', 'code', rid]).get('code', '')
        wd = os.path.join(tmp, 'w-' + rid)
        p = run(['wallet', '--dir', wd, 'init'], penv)
        check(p.returncode == 0, 'wallet init %s' % p.stderr)
        p = run(['wallet', '--dir', wd, 'enrol', '--url', d.url, '--ca',
                 d.cert, '--code', code], penv)
        check(p.returncode == 0, 'wallet enrol %s' % p.stderr)
        return rid, wd

    def present(wd, offer):
        p = run(['wallet', '--dir', wd, 'present', '--offer', str(offer),
                 '--url', d.url, '--ca', d.cert, '--audience', pv], penv)
        check(p.returncode == 0, 'present %s: %s' % (offer, p.stderr))
        return p.stdout.splitlines()[0] if p.stdout else 'SP1:'

    def redeem(t, offer, qr, code=0):
        p = run(['till', 'redeem', '--dir', t, '--json', '--offer',
                 str(offer), qr])
        check(p.returncode == code, 'redeem at %s: exit %d %s %s' %
              (os.path.basename(t), p.returncode, p.stdout, p.stderr))
        return json.loads(p.stdout or '{}')

    r1, w1 = wallet('A. de Vries')
    r2, w2 = wallet('B. Bakker')

    # The same pass swims at both tills in one week; neither till knows
    # of the other: both approve.
    j = redeem(tills[0], swim, present(w1, swim))
    check(j.get('approved') is True, 'swim at till 1 %r' % j)
    j = redeem(tills[1], swim, present(w1, swim))
    check(j.get('approved') is True, 'swim at till 2 (offline) %r' % j)
    # A pass revoked after till 1's last sync, shown after the
    # revocation: till 1 does not know and approves it.
    admin(['resident', 'revoke', r2, '--reason', '1'])
    time.sleep(1.1)     # shown in a later second than the revocation
    q = present(w2, museum)
    j = redeem(tills[0], museum, q)
    check(j.get('approved') is True, 'unsynced till approves %r' % j)

    batches = []
    for i, t in enumerate(tills):
        out = os.path.join(tmp, 'batch%d.cbor' % (i + 1))
        p = run(['till', 'export', '--dir', t, '--json', '--out', out])
        check(p.returncode == 0 and os.path.getsize(out) > 0,
              'export %s' % p.stderr)
        batches.append(out)

    # ---- stadspas admin settle import ----
    j = admin(['settle', 'import', batches[0]])
    check(j.get('records') == 2 and j.get('new_records') == 2 and
          j.get('paid') == 1 and j.get('rejected') == 1 and
          j.get('paid_cents') == 350, 'import till 1 %r' % j)
    p = raw(['settle', 'import', batches[1]])
    check('new_records:' in p.stdout and 'rejected:' in p.stdout,
          'import till 2, human %r' % p.stdout)
    p = raw(['settle', 'report', '--provider', pv])
    rep1 = p.stdout
    try:
        rep = json.loads(rep1)
    except ValueError:
        rep = {}
        check(False, 'report is JSON %r' % rep1)
    recs = records(rep)
    reasons = sorted(r['reason'] for r in recs.values())
    check(reasons == ['ok', 'over_limit', 'revoked'], 'reasons %r' % reasons)
    prov = (rep.get('providers') or [{}])[0]
    check(prov.get('provider') == pv and prov.get('paid') == 1 and
          prov.get('paid_cents') == 350 and prov.get('rejected') == 2,
          'totals %r' % prov)
    over = [k for k, r in recs.items() if r['reason'] == 'over_limit']
    ok = [k for k, r in recs.items() if r['reason'] == 'ok']
    check(len(over) == 1 and len(ok) == 1 and over[0][0] != ok[0][0] and
          recs[over[0]]['offer'] == swim and
          len(recs[over[0]].get('evidence', [])) == 1,
          'over_limit at the other till, with evidence %r' % recs)
    check('A. de Vries' not in rep1 and 'Bakker' not in rep1,
          'no names in the report')
    p = raw(['settle', 'report', '--provider', pv, '--csv'])
    rows = list(csv.reader(io.StringIO(p.stdout)))
    flat = [c for row in rows for c in row]
    check(len(rows) >= 4 and 'over_limit' in flat and 'revoked' in flat,
          'CSV report %r' % p.stdout)
    rep_csv = p.stdout

    # Re-importing changes nothing.
    for b in batches:
        j = admin(['settle', 'import', b])
        check(j.get('new_records') == 0 and j.get('paid') == 0,
              're-import %r' % j)
    check(raw(['settle', 'report', '--provider', pv]).stdout == rep1,
          're-import: same JSON report')
    check(raw(['settle', 'report', '--provider', pv, '--csv']).stdout ==
          rep_csv, 're-import: same CSV report')
    # A period that holds none of them.
    p = raw(['settle', 'report', '--from', '2020-01-01', '--to',
             '2020-02-01'])
    check(json.loads(p.stdout or '{}').get('providers') == [],
          'empty period %r' % p.stdout)

    # Evidence of the flagged record: per-resident detail, audited.
    ev = os.path.join(tmp, 'evidence.cbor')
    raw(['settle', 'evidence', over[0][0], str(over[0][1]), '--out', ev])
    check(os.path.exists(ev) and os.path.getsize(ev) > 100 and
          os.stat(ev).st_mode & 0o777 == 0o600, 'evidence file 0600')
    raw(['settle', 'evidence', ok[0][0], str(ok[0][1]), '--out', ev + '2'],
        code=1)
    check(not os.path.exists(ev + '2'), 'no evidence of a paid record')
    a = admin(['audit', '--limit', '1000'])
    acts = [(e.get('action'), e.get('target')) for e in a.get('entries', [])]
    check(('settlement.import', pv) in acts and
          any(x == 'settlement.evidence' for x, _ in acts),
          'audited %r' % acts[-6:])

    # ---- a provider uploads without a token ----
    q = present(w1, museum)
    j = redeem(tills[1], museum, q)
    b3 = os.path.join(tmp, 'batch3.cbor')
    p = run(['till', 'export', '--dir', tills[1], '--out', b3])
    check(p.returncode == 0, 'export 3 %s' % p.stderr)
    data = open(b3, 'rb').read()
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x01
    st, j = d.post('/settlement/batches', bytes(bad))
    check(st == 400 and j.get('error') == 'batch_refused' and
          j.get('reason') == 'malformed', 'tampered upload %d %r' % (st, j))
    st, j = d.post('/settlement/batches', data)
    check(st == 200 and j.get('records') == 1 and j.get('new_records') == 1
          and j.get('paid') == 1 and j.get('paid_cents') == 500,
          'upload %d %r' % (st, j))
    st, j = d.post('/settlement/batches', data)
    check(st == 200 and j.get('new_records') == 0, 're-upload %r' % j)
    # Records after batch 3's would be a gap without it: replaying an
    # older batch of till 1 on its own is fine (nothing new).
    st, j = d.post('/settlement/batches', open(batches[0], 'rb').read())
    check(st == 200 and j.get('new_records') == 0, 'old batch %r' % j)
    # `stadspas till upload`: the till's own server and certificate.
    p = run(['till', 'upload', '--help'])
    check(p.returncode == 0 and 'usage: stadspas till upload' in p.stdout,
          'upload --help')
    j = redeem(tills[0], museum, present(w1, museum))
    b4 = os.path.join(tmp, 'batch4.cbor')
    run(['till', 'export', '--dir', tills[0], '--out', b4])
    bad4 = b4 + '.bad'
    with open(b4, 'rb') as f:
        raw4 = bytearray(f.read())
    raw4[-2] ^= 0x01
    with open(bad4, 'wb') as f:
        f.write(raw4)
    p = run(['till', 'upload', '--dir', tills[0], bad4])
    check(p.returncode == 1 and 'malformed' in p.stderr,
          'till upload tampered: %d %s' % (p.returncode, p.stderr))
    p = run(['till', '--json', 'upload', '--dir', tills[0], b4])
    j = json.loads(p.stdout or '{}')
    check(p.returncode == 0 and j.get('new_records') == 1 and
          j.get('paid') == 1, 'till upload %d %r %s' %
          (p.returncode, j, p.stderr))
    p = run(['till', 'upload', '--dir', tills[0], b4])
    check(p.returncode == 0 and '(0 new)' in p.stdout,
          'till upload again %r' % p.stdout)
    p = run(['till', 'upload', '--dir', tills[0], '--server',
             'https://127.0.0.1:1', b4])
    check(p.returncode == 3, 'till upload no server: %d' % p.returncode)
    # Body limits: 8 MiB on the batch path (a 300 KiB body reaches the
    # engine: malformed, not 413), 256 KiB elsewhere.
    st, j = d.post('/settlement/batches', b'\xa0' * (300 * 1024))
    check(st == 400 and j.get('reason') == 'malformed',
          '300 KiB batch reaches the engine: %d %r' % (st, j))
    st, j = d.post('/admin/residents', b'{' + b' ' * (300 * 1024) + b'}',
                   'application/json')
    check(st == 413, '300 KiB elsewhere: %d' % st)
    try:
        st, j = d.post('/settlement/batches', b'\0' * (8 * 1024 * 1024 + 1))
    except (OSError, http.client.HTTPException):
        st = 413        # the daemon may close while we still send
    check(st == 413, 'over 8 MiB: %d' % st)
    # The admin route needs a token.
    st, j = d.post('/admin/settlement/import', data)
    check(st == 401, 'admin import without a token: %d' % st)
    print('test_settle_daemon: %.1f s' % (time.time() - t0))


if __name__ == '__main__':
    sys.exit(main())
