#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""`stadspas admin` against the real stadspas-issuerd on loopback: every
subcommand in human and --json form, a refused call (exit 1), usage
errors (exit 2), TLS and connection failures (exit 3), token file mode.

usage: test_admin.py STADSPAS STADSPAS-ISSUERD
Only the standard library; exit 0 = pass.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

STADSPAS = os.path.abspath(sys.argv[1])
DAEMON = os.path.abspath(sys.argv[2])
FAILS = []
SECRETS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what, flush=True)
    return cond


class Daemon:
    """The daemon with a temp data dir, as tests/issuer/test_daemon.py."""

    def __init__(self, data_dir):
        self.lines = []
        self.cv = threading.Condition()
        self.p = subprocess.Popen(
            [DAEMON, '--data-dir', data_dir, '--listen', '127.0.0.1:0',
             '--admin-bootstrap'], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()
        line = None
        with self.cv:
            while line is None:
                line = next((l for l in self.lines if 'msg=listening' in l),
                            None)
                if line is None:
                    if self.p.poll() is not None:
                        break
                    self.cv.wait(1)
        if line is None:
            print('\n'.join(self.lines))
            raise RuntimeError('daemon did not start')
        self.port = int(re.search(r'port=(\d+)', line).group(1))
        self.token = None
        for l in self.lines:
            m = re.search(r'admin bootstrap token .*: ([0-9a-f]{64})$', l)
            if m:
                self.token = m.group(1)
        self.cert = os.path.join(data_dir, 'tls', 'cert.pem')

    def _read(self):
        for raw in self.p.stderr:
            with self.cv:
                self.lines.append(raw.decode('utf-8', 'replace').rstrip())
                self.cv.notify_all()

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def run(args, env=None, what=None):
    e = dict(os.environ)
    e.pop('STADSPAS_ADMIN_TOKEN', None)
    e.update(env or {})
    p = subprocess.run([STADSPAS] + args, capture_output=True, text=True,
                       env=e, timeout=60)
    for s in SECRETS:
        check(s not in p.stdout and s not in p.stderr,
              'token leaked by %s' % (what or args))
    return p


def kv(out):
    """Human output -> {key: value}."""
    d = {}
    for line in out.splitlines():
        k, sep, v = line.partition(':')
        if sep:
            d[k.strip()] = v.strip()
    return d


def main():
    tmp = tempfile.mkdtemp(prefix='sp-admin-')
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
    check(d.token is not None, 'bootstrap token printed')
    SECRETS.append(d.token)
    tok = os.path.join(tmp, 'admin.token')
    with open(os.path.join(tmp, 'admin.token'), 'w') as f:
        f.write(d.token + '\n')
    os.chmod(tok, 0o600)
    env = {'STADSPAS_URL': 'https://127.0.0.1:%d' % d.port}
    g = ['admin', '--ca', d.cert, '--token-file', tok]

    def ok(args, what, **kw):
        p = run(g + args, env=env, what=what, **kw)
        check(p.returncode == 0, '%s: exit %d: %s' %
              (what, p.returncode, p.stderr))
        return p

    # --help at every level.
    for h in (['admin', '--help'], ['admin', 'resident', '--help'],
              ['admin', 'resident', 'add', '--help'],
              ['admin', 'offer', 'add', '--help'], ['admin', 'audit', '-h'],
              ['admin', 'keys', '--help'],
              ['help', 'admin']):
        p = run(h)
        check(p.returncode == 0 and 'usage: stadspas admin' in p.stdout and
              'example' in p.stdout, 'help %s' % h)
    p = run(['--help'])
    check('admin' in p.stdout, 'admin in stadspas --help')

    # The example session of docs/API.md ("stadspas admin").
    p = ok(['resident', 'add', '--name', 'A. de Vries', '--birth-year',
            '1961', '--household', '2', '--category', 'sport',
            '--category', 'culture'], 'resident add')
    r = kv(p.stdout)
    check(r.get('resident') == 'r1' and
          re.fullmatch(r'.+-\d{7}', r.get('pass_no', '')),
          'resident add output %r' % p.stdout)
    p = ok(['--json', 'resident', 'add', '--name', 'B. Jansen',
            '--birth-year', '2015'], 'resident add --json')
    j = json.loads(p.stdout)
    check(j.get('resident') == 'r2', 'resident add json %r' % j)
    p = ok(['resident', 'show', 'r1'], 'resident show')
    r = kv(p.stdout)
    check(r.get('name') == 'A. de Vries' and r.get('birth_year') == '1961'
          and r.get('household_size') == '2' and
          r.get('categories') == 'sport, culture' and
          r.get('status') == 'active', 'resident show %r' % p.stdout)
    p = ok(['resident', 'show', 'r1', '--json'], 'resident show --json')
    j = json.loads(p.stdout)
    check(j.get('categories') == ['sport', 'culture'] and
          j.get('passes') == [], 'resident show json %r' % j)
    p = ok(['resident', 'code', 'r1'], 'resident code')
    check(re.fullmatch(r'[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}',
                       kv(p.stdout).get('code', '')),
          'code output %r' % p.stdout)
    p = ok(['--json', 'resident', 'code', 'r2'], 'resident code --json')
    check(isinstance(json.loads(p.stdout).get('expires'), int), 'code json')
    for verb in ('suspend', 'reinstate'):
        p = ok(['resident', verb, 'r1', '--reason', '3'], verb)
        check(kv(p.stdout).get('changed') == '0', '%s output' % verb)
    p = ok(['--json', 'resident', 'revoke', 'r2', '--reason', '1'],
           'revoke')
    check(json.loads(p.stdout) == {'changed': 0}, 'revoke json')
    p = ok(['resident', 'show', 'r2'], 'show revoked')
    check(kv(p.stdout).get('status') == 'revoked', 'revoked status')

    keyhex = os.path.join(tmp, 'till1.hex')
    # An Ed25519 COSE_Key {1: 1, -1: 6, -2: x}, x from RFC 8032 test 1.
    with open(keyhex, 'w') as f:
        f.write('a301012006215820d75a980182b10ab7d54bfed3c964073a'
                '0ee172f3daa62325af021a68f707511a\n')
    p = ok(['provider', 'add', '--name', 'Zwembad De Hoeven',
            '--till-key', keyhex], 'provider add')
    check(kv(p.stdout).get('provider') == 'p1', 'provider output %r' %
          p.stdout)
    p = ok(['--json', 'provider', 'add', '--name', 'Bieb'],
           'provider add --json')
    check(json.loads(p.stdout) == {'provider': 'p2'}, 'provider json')
    p = ok(['offer', 'add', '--provider', 'p1', '--title', 'Swim 10x',
            '--category', 'sport', '--requires', 'category',
            '--limit', '10/year', '--amount-cents', '350'], 'offer add')
    check(kv(p.stdout).get('offer') == '1', 'offer output %r' % p.stdout)
    p = ok(['--json', 'offer', 'add', '--provider', 'p2', '--title', 'Book',
            '--category', 'culture', '--amount-cents', '0'],
           'offer add --json')
    check(json.loads(p.stdout) == {'offer': 2}, 'offer json')
    p = ok(['catalogue', 'publish'], 'catalogue publish')
    check(kv(p.stdout).get('version') == '1', 'publish %r' % p.stdout)
    p = ok(['--json', 'catalogue', 'publish'], 'publish --json')
    check(json.loads(p.stdout).get('version') == 2, 'publish json')

    p = ok(['--json', 'token', 'add', '--role', 'auditor', '--label',
            'audit-2026'], 'token add')
    j = json.loads(p.stdout)
    check(j.get('role') == 'auditor' and len(j.get('token', '')) == 64,
          'token add json')
    aud = j['token']
    SECRETS.append(aud)
    p = run(g + ['token', 'add', '--role', 'admin'], env=env,
            what='token add human')
    check(p.returncode == 0 and kv(p.stdout).get('role') == 'admin',
          'token add human')
    SECRETS.append(kv(p.stdout).get('token', 'x' * 64))
    # Revocation: the revoked token is refused at once.
    p = ok(['--json', 'token', 'add', '--role', 'auditor', '--label',
            'short-lived'], 'token add (to revoke)')
    j = json.loads(p.stdout)
    SECRETS.append(j['token'])
    p = run(['admin', '--ca', d.cert, 'audit', '--limit', '1'],
            env=dict(env, STADSPAS_ADMIN_TOKEN=j['token']),
            what='token before revoke')
    check(p.returncode == 0, 'token works before revoke: %r' % p.stderr)
    p = ok(['token', 'revoke', j['id']], 'token revoke')
    r = kv(p.stdout)
    check(r.get('id') == j['id'] and int(r.get('revoked', '0')) > 0,
          'token revoke %r' % p.stdout)
    p = run(['admin', '--ca', d.cert, 'audit', '--limit', '1'],
            env=dict(env, STADSPAS_ADMIN_TOKEN=j['token']),
            what='token after revoke')
    check(p.returncode == 1 and 'unauthorized' in p.stderr,
          'revoked token refused: %d %r' % (p.returncode, p.stderr))
    p = run(g + ['token', 'revoke', '00000000'], env=env)
    check(p.returncode == 1 and 'not_found' in p.stderr,
          'revoke unknown token %r' % p.stderr)

    p = ok(['renewal', 'start', '--valid-from', '2027-01-01',
            '--valid-until', '2027-06-01'], 'renewal start')
    check(kv(p.stdout).get('job') == 'j1', 'renewal start %r' % p.stdout)
    p = ok(['renewal', 'status', 'j1'], 'renewal status')
    r = kv(p.stdout)
    check(r.get('job') == 'j1' and r.get('total') == '2' and
          r.get('valid_from') == '1798761600', 'renewal status %r' % r)
    p = ok(['--json', 'renewal', 'status', 'j1'], 'renewal status --json')
    check(json.loads(p.stdout).get('valid_until') == 1811808000,
          'renewal json')

    p = ok(['audit', '--limit', '3'], 'audit')
    lines = p.stdout.splitlines()
    check(lines[0].split() == ['seq', 'time', 'who', 'action', 'target'] and
          len(lines) == 5 and kv(p.stdout).get('next') == '3',
          'audit table %r' % p.stdout)
    p = ok(['--json', 'audit', '--after', '3', '--limit', '1000'],
           'audit --json')
    j = json.loads(p.stdout)
    acts = [e['action'] for e in j['entries']]
    check('resident.create' in acts and 'catalogue.publish' in acts and
          'renewal.create' in acts, 'audit actions %r' % acts)

    # The token from the environment; an auditor reads but cannot write.
    atok = os.path.join(tmp, 'auditor.token')
    with open(atok, 'w') as f:
        f.write(aud)
    os.chmod(atok, 0o600)
    p = run(['admin', '--ca', d.cert, 'resident', 'show', 'r1'],
            env=dict(env, STADSPAS_ADMIN_TOKEN=aud), what='env token')
    check(p.returncode == 0 and kv(p.stdout).get('resident') == 'r1',
          'auditor via env: %s' % p.stderr)
    p = run(['admin', '--ca', d.cert, '--token-file', atok, 'resident',
             'add', '--name', 'X', '--birth-year', '1990'], env=env,
            what='auditor add')
    check(p.returncode == 1 and 'forbidden' in p.stderr and
          p.stdout == '', 'auditor add refused: %d %r' %
          (p.returncode, p.stderr))
    p = run(['admin', '--ca', d.cert, '--token-file', atok, '--json',
             'resident', 'add', '--name', 'X', '--birth-year', '1990'],
            env=env, what='auditor add json')
    check(p.returncode == 1 and
          json.loads(p.stdout).get('error') == 'forbidden',
          'refusal --json')
    p = run(g + ['resident', 'show', 'r99'], env=env)
    check(p.returncode == 1 and 'not_found' in p.stderr, 'not_found')
    p = run(g + ['resident', 'add', '--name', 'Y', '--birth-year', '1800'],
            env=env)
    check(p.returncode == 1 and 'bad_request' in p.stderr, 'bad_request')

    # Usage errors: exit 2, the bad value quoted, no request made.
    for args, frag in (
            (['resident', 'add', '--name', 'X'], '--birth-year'),
            (['resident', 'add', '--name', 'X', '--birth-year', 'abc'],
             "'abc'"),
            (['resident', 'frob', 'r1'], "'frob'"),
            (['resident', 'show'], 'resident ID'),
            (['resident', 'show', 'r1/x'], "'r1/x'"),
            (['resident', 'revoke', 'r1'], '--reason'),
            (['offer', 'add', '--provider', 'p1', '--title', 'T',
              '--category', 'c', '--amount-cents', '1', '--limit', '10'],
             "'10'"),
            (['token', 'add', '--role', 'root'], "'root'"),
            (['token', 'revoke'], 'ID'),
            (['token', 'revoke', 'ab/cd'], "'ab/cd'"),
            (['renewal', 'start', '--valid-from', '2027-13-45',
              '--valid-until', '1'], "'2027-13-45'"),
            (['audit', '--limit', '0'], "'0'"),
            (['audit', '--name', 'x'], "'--name'"),
            (['nosuch'], "'nosuch'")):
        p = run(g + args, env=env)
        check(p.returncode == 2 and frag in p.stderr,
              'usage %r: %d %r' % (args, p.returncode, p.stderr))
    p = run(['admin'])
    check(p.returncode == 2, 'bare admin')
    p = run(['admin', '--ca', d.cert, 'audit'], env=env)
    check(p.returncode == 2 and 'STADSPAS_ADMIN_TOKEN' in p.stderr,
          'no token')
    os.chmod(tok, 0o644)
    p = run(g + ['audit'], env=env)
    check(p.returncode == 2 and 'refusing' in p.stderr and
          '0644' in p.stderr, 'mode 0644 refused: %r' % p.stderr)
    os.chmod(tok, 0o600)

    # Cannot connect, TLS failure: exit 3.
    other = os.path.join(tmp, 'other.pem')
    with open(d.cert) as f:
        pem = f.read()
    # A CA file without the daemon's certificate: the system bundle (or
    # nothing usable at all).
    sysca = '/etc/ssl/certs/ca-certificates.crt'
    with open(other, 'w') as f:
        f.write(open(sysca).read() if os.path.exists(sysca) else '')
    check('BEGIN CERTIFICATE' in pem, 'daemon cert is PEM')
    p = run(['admin', '--ca', other, '--token-file', tok, 'audit'], env=env,
            what='wrong ca')
    check(p.returncode == 3 and 'TLS' in p.stderr,
          'wrong CA: %d %r' % (p.returncode, p.stderr))
    p = run(['admin', '--token-file', tok, 'audit'], env=env,
            what='system store')
    check(p.returncode == 3, 'system store: %d' % p.returncode)
    p = run(g + ['--url', 'https://127.0.0.1:1', 'audit'], env=env)
    check(p.returncode == 3 and 'cannot connect' in p.stderr,
          'refused port: %d %r' % (p.returncode, p.stderr))
    p = run(g + ['--url', 'http://127.0.0.1:1', 'audit'], env=env)
    check(p.returncode == 2 and 'URL' in p.stderr, 'bad url')

    # Last: a new issuer key (the daemon keeps the old public key).
    p = ok(['keys', 'rotate'], 'keys rotate')
    check(kv(p.stdout).get('keys') == '2' and
          re.fullmatch(r'[0-9a-f]+', kv(p.stdout).get('kid', '')),
          'keys rotate %r' % p.stdout)
    p = ok(['--json', 'keys', 'rotate'], 'keys rotate --json')
    check(json.loads(p.stdout).get('keys') == 3, 'keys rotate json')
    p = run(g + ['keys', 'frob'], env=env)
    check(p.returncode == 2 and "'frob'" in p.stderr, 'keys frob')

    for l in d.lines:
        for s in SECRETS[1:]:
            check(s not in l, 'token in daemon log')


if __name__ == '__main__':
    sys.exit(main())
