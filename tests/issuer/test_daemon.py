#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The real stadspas-issuerd on loopback, over HTTPS (HTTP/1.1 and h2) and
WebSocket: every endpoint of docs/HTTP_API.md, every authentication
failure, enrolment codes (reuse, expiry), hostile and slow clients, HTTP
caching, the checkpoint stream, graceful stop during a burst (SIGTERM) and
a crash during a bulk renewal (SIGKILL).

usage: test_daemon.py STADSPAS-ISSUERD WALLETKIT
Only the standard library (plus curl for the h2 check); exit 0 = pass.
"""
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

DAEMON = os.path.abspath(sys.argv[1])
WALLETKIT = os.path.abspath(sys.argv[2])
FAILS = []
SECRETS = []          # strings that must never appear in the logs


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print('FAIL:', what, flush=True)
    return cond


def log(*a):
    print('--', *a, flush=True)


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.json = None
        if headers.get('content-type', '').startswith('application/json'):
            try:
                self.json = json.loads(body)
            except ValueError:
                self.json = None

    def err(self):
        return self.json.get('error') if isinstance(self.json, dict) else None

    def __repr__(self):
        return 'Resp(%d, %r)' % (self.status, self.body[:200])


def is_error(r, status, token=None):
    """A JSON error reply {"error", "message"} with this status."""
    ok = (r.status == status and isinstance(r.json, dict) and
          isinstance(r.json.get('message'), str) and
          (token is None or r.json.get('error') == token))
    return ok


class Daemon:
    """One stadspas-issuerd process; stderr is collected line by line."""

    def __init__(self, data_dir, *extra, bootstrap=True, config=None,
                 token=None):
        args = [DAEMON]
        if config is not None:
            args += ['--config', config]
        else:
            args += ['--data-dir', data_dir, '--listen', '127.0.0.1:0',
                     '--checkpoint-interval', '2', '--body-timeout', '3']
        args += list(extra)
        if bootstrap:
            args.append('--admin-bootstrap')
        self.data_dir = data_dir
        self.lines = []
        self.cv = threading.Condition()
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.wait_line(lambda l: 'msg=listening' in l or
                              'msg=stopped' in l, 120)
        if line is None or 'msg=listening' not in line:
            self.dump()
            raise RuntimeError('daemon did not start')
        self.port = int(re.search(r'port=(\d+)', line).group(1))
        self.token = token
        for l in self.snapshot():
            m = re.search(r'admin bootstrap token .*: ([0-9a-f]{64})$', l)
            if m:
                self.token = m.group(1)
                SECRETS.append(self.token)
        self.cert = os.path.join(data_dir, 'tls', 'cert.pem')
        self.ctx = ssl.create_default_context(cafile=self.cert)
        self.ctx.verify_flags |= ssl.VERIFY_X509_STRICT
        for _ in range(100):
            try:
                if self.get('/healthz').status == 200:
                    break
            except OSError:
                time.sleep(0.1)

    def _read(self):
        for raw in self.p.stderr:
            with self.cv:
                self.lines.append(raw.decode('utf-8', 'replace').rstrip())
                self.cv.notify_all()

    def snapshot(self):
        with self.cv:
            return list(self.lines)

    def wait_line(self, pred, timeout):
        end = time.time() + timeout
        seen = 0
        with self.cv:
            while True:
                for l in self.lines[seen:]:
                    if pred(l):
                        return l
                seen = len(self.lines)
                left = end - time.time()
                if left <= 0 or (self.p.poll() is not None and
                                 not self.reader.is_alive()):
                    return None
                self.cv.wait(min(left, 0.5))

    def dump(self):
        for l in self.snapshot()[-60:]:
            print('   daemon:', l)

    def conn(self, src='127.0.0.1', timeout=60):
        return http.client.HTTPSConnection('127.0.0.1', self.port,
                                           context=self.ctx, timeout=timeout,
                                           source_address=(src, 0))

    def req(self, method, path, body=None, token=None, headers=None,
            src='127.0.0.1', conn=None):
        h = dict(headers or {})
        if token is not None:
            h['Authorization'] = 'Bearer ' + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault('Content-Type', 'application/json')
        own = conn is None
        c = conn or self.conn(src)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return Resp(r.status, {k.lower(): v for k, v in
                                   r.getheaders()}, data)
        finally:
            if own:
                c.close()

    def get(self, path, **kw):
        return self.req('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.req('POST', path, body=body if body is not None else {},
                        **kw)

    def tls(self, src='127.0.0.1', timeout=30):
        s = socket.create_connection(('127.0.0.1', self.port),
                                     timeout=timeout,
                                     source_address=(src, 0))
        return self.ctx.wrap_socket(s, server_hostname='127.0.0.1')

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.reader.join(10)
        return rc


def read_http(s, buf=b''):
    """One HTTP/1.1 response from a raw socket: (status, headers, body,
    rest) or None if the connection closed first."""
    while b'\r\n\r\n' not in buf:
        d = s.recv(65536)
        if not d:
            return None
        buf += d
    head, rest = buf.split(b'\r\n\r\n', 1)
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split()[1])
    headers = {}
    for l in lines[1:]:
        k, v = l.split(':', 1)
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get('content-length', '0'))
    while len(rest) < n:
        d = s.recv(65536)
        if not d:
            break
        rest += d
    return status, headers, rest[:n], rest[n:]


def raw_resp(s, buf=b''):
    r = read_http(s, buf)
    if r is None:
        return None
    return Resp(r[0], r[1], r[2])


def closed_by_peer(s, timeout):
    """True if the server closes s within timeout seconds."""
    s.settimeout(timeout)
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return True
    except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


# ---- WebSocket (RFC 6455), just enough to read server messages ----------

def ws_connect(d, path='/registry/stream', proto='stadspas-registry'):
    s = d.tls()
    key = base64.b64encode(os.urandom(16)).decode()
    req = ('GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n'
           'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
           'Sec-WebSocket-Version: 13\r\n' % (path, d.port, key))
    if proto:
        req += 'Sec-WebSocket-Protocol: %s\r\n' % proto
    s.sendall((req + '\r\n').encode())
    buf = b''
    try:
        while b'\r\n\r\n' not in buf:
            chunk = s.recv(4096)
            if not chunk:
                return None
            buf += chunk
    except (OSError, ssl.SSLError):
        return None
    head, rest = buf.split(b'\r\n\r\n', 1)
    text = head.decode('latin-1')
    want = base64.b64encode(hashlib.sha1(
        (key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').encode()).digest())
    if not text.startswith('HTTP/1.1 101') or want.decode() not in text:
        return None
    return {'s': s, 'buf': rest}


def ws_need(ws, n):
    while len(ws['buf']) < n:
        d = ws['s'].recv(4096)
        if not d:
            raise EOFError
        ws['buf'] += d
    out, ws['buf'] = ws['buf'][:n], ws['buf'][n:]
    return out


def ws_read(ws, timeout):
    """(opcode, payload) of the next frame; answers pings."""
    ws['s'].settimeout(timeout)
    while True:
        b0, b1 = ws_need(ws, 2)
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack('>H', ws_need(ws, 2))[0]
        elif n == 127:
            n = struct.unpack('>Q', ws_need(ws, 8))[0]
        if b1 & 0x80:
            ws_need(ws, 4)
        payload = ws_need(ws, n)
        op = b0 & 0x0f
        if op == 9:     # ping: pong back, masked as a client must
            mask = os.urandom(4)
            body = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
            ws['s'].sendall(bytes([0x8a, 0x80 | len(payload)]) + mask + body)
            continue
        return op, payload


# ---- The holder wallet (walletkit) --------------------------------------

def walletkit(*args):
    r = subprocess.run([WALLETKIT] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        print('walletkit', args[0], 'failed:', r.stderr.strip())
    return r


def proofs(wdir, nonce, code):
    r = walletkit('proofs', wdir, nonce, code)
    return json.loads(r.stdout) if r.returncode == 0 else []


def enrol(d, wdir, code, src='127.0.0.1', nonce=None):
    if nonce is None:
        r = d.post('/wallet/nonce', src=src)
        check(r.status == 200 and len(r.json['nonce']) == 64 and
              r.json['expires'] > time.time(), 'POST /wallet/nonce')
        nonce = r.json['nonce']
        SECRETS.append(nonce)
    body = {'code': code, 'nonce': nonce, 'proofs': proofs(wdir, nonce, code)}
    return d.post('/wallet/credential', body, src=src)


def new_resident(d, name, year=2012, cats=('sport',), conn=None):
    SECRETS.append(name)
    r = d.post('/admin/residents', {'name': name, 'birth_year': year,
                                    'categories': list(cats)},
               token=d.token, conn=conn)
    check(r.status == 201 and r.json['resident'].startswith('r'),
          'POST /admin/residents: %r' % r)
    return r.json


def new_code(d, res, conn=None):
    r = d.post('/admin/residents/%s/code' % res, {}, token=d.token,
               conn=conn)
    check(r.status == 201 and re.fullmatch(r'\w{4}-\w{4}-\w{4}',
                                           r.json['code']) and
          r.json['expires'] > time.time(), 'POST .../code: %r' % r)
    SECRETS.append(r.json['code'])
    return r.json['code']


# ---- The tests ----------------------------------------------------------

def test_cli(tmp):
    log('command line and configuration file')
    r = subprocess.run([DAEMON, '--help'], capture_output=True, text=True)
    check(r.returncode == 0 and '--listen' in r.stdout and
          '--insecure-http' in r.stdout and 'exit status' in r.stdout and
          'example' in r.stdout and '127.0.0.1:8443' in r.stdout,
          '--help lists options, defaults, exit codes and an example')
    r = subprocess.run([DAEMON, '--version'], capture_output=True, text=True)
    check(r.returncode == 0 and r.stdout.startswith('stadspas-issuerd '),
          '--version')
    if os.environ.get('SP_VERSION'):
        check(r.stdout.strip() == 'stadspas-issuerd ' +
              os.environ['SP_VERSION'], '--version prints the project '
              'version: %r' % r.stdout)
    r = subprocess.run([DAEMON, '--frobnicate'], capture_output=True,
                       text=True)
    check(r.returncode == 2 and '--frobnicate' in r.stderr,
          'an unknown option is a usage error (2)')
    r = subprocess.run([DAEMON, '--listen', 'nowhere'], capture_output=True,
                       text=True)
    check(r.returncode == 2 and 'nowhere' in r.stderr, 'bad --listen')
    r = subprocess.run([DAEMON, '--insecure-http', '--listen',
                        '0.0.0.0:0', '--data-dir', os.path.join(tmp, 'x')],
                       capture_output=True, text=True)
    check(r.returncode == 2 and 'loopback' in r.stderr,
          '--insecure-http only on loopback')
    cfg = os.path.join(tmp, 'bad.conf')
    with open(cfg, 'w') as f:
        f.write('# comment\ndata-dir = %s\nbogus-key = 1\n' %
                os.path.join(tmp, 'x'))
    r = subprocess.run([DAEMON, '--config', cfg], capture_output=True,
                       text=True)
    check(r.returncode == 2 and 'bogus-key' in r.stderr and
          ':3:' in r.stderr, 'unknown config key named with its line')
    with open(cfg, 'w') as f:
        f.write('batch-size = many\n')
    r = subprocess.run([DAEMON, '--config', cfg], capture_output=True,
                       text=True)
    check(r.returncode == 2 and 'many' in r.stderr, 'bad config value')
    check(not os.path.exists(os.path.join(tmp, 'x')),
          'nothing created on a usage error')


def test_basics(d):
    log('basics, TLS certificate, headers')
    r = d.get('/healthz')
    check(r.status == 200 and r.json['status'] == 'ok' and
          isinstance(r.json['registry_size'], int) and
          isinstance(r.json['checkpoint_age'], int), 'GET /healthz')
    check(r.headers.get('x-content-type-options') == 'nosniff' and
          'max-age' in r.headers.get('strict-transport-security', '') and
          r.headers.get('cache-control') == 'no-store',
          'security headers')
    st = os.stat(os.path.join(d.data_dir, 'tls', 'key.pem'))
    check(st.st_mode & 0o777 == 0o600, 'generated TLS key is 0600')
    r = d.get('/metrics')
    check(r.status == 200 and b'stadspas_requests_total' in r.body and
          r.headers['content-type'].startswith('text/plain'), 'GET /metrics')
    check(is_error(d.get('/nope'), 404, 'not_found'), '404 JSON error')
    check(is_error(d.req('DELETE', '/healthz'), 405, 'method_not_allowed'),
          '405 JSON error')
    check(is_error(d.get('/' + 'a' * 600), 414), '414 for a long path')
    r = d.req('HEAD', '/healthz')
    check(r.body == b'', 'HEAD has no body')
    # keep-alive: several requests on one connection
    c = d.conn()
    codes = [d.get('/healthz', conn=c).status for _ in range(5)]
    c.close()
    check(codes == [200] * 5, 'keep-alive connection reused')


def test_admin(d, tmp, st):
    log('admin API')
    tok = d.token
    check(tok is not None and len(tok) == 64, 'bootstrap token printed once')
    r = d.post('/admin/tokens', {'role': 'auditor', 'label': 'audit'},
               token=tok)
    check(r.status == 201 and r.json['role'] == 'auditor' and
          len(r.json['token']) == 64 and r.json['id'], 'POST /admin/tokens')
    st['auditor'] = r.json['token']
    SECRETS.append(st['auditor'])
    r = d.post('/admin/tokens', {'role': 'admin', 'label': 'second'},
               token=tok)
    check(r.status == 201 and r.json['role'] == 'admin', 'admin token')
    st['admin2'] = r.json['token']
    SECRETS.append(st['admin2'])

    res = new_resident(d, 'Anna de Vries', 2012, ['sport', 'culture'])
    st['res'] = res['resident']
    st['pass_no'] = res['pass_no']
    r = d.get('/admin/residents/' + st['res'], token=st['auditor'])
    check(r.status == 200 and r.json['name'] == 'Anna de Vries' and
          r.json['birth_year'] == 2012 and r.json['passes'] == [] and
          r.json['pass_no'] == res['pass_no'],
          'GET /admin/residents/{id} (auditor)')
    check(is_error(d.get('/admin/residents/r999', token=tok), 404,
                   'not_found'), 'unknown resident: 404')

    till = os.path.join(tmp, 'till')
    os.mkdir(till)
    walletkit('keygen', till, 1)
    till_key = proofs(till, '00' * 32, 'x')[0]['key']
    r = d.post('/admin/providers', {'name': 'Zwembad De Parrel',
                                    'till_keys': [till_key]}, token=tok)
    check(r.status == 201 and r.json['provider'], 'POST /admin/providers')
    prov = r.json['provider']
    r = d.post('/admin/offers', {'provider': prov, 'title': 'Sportclub',
                                 'category': 'sport',
                                 'requires': ['age_under_18'],
                                 'limit': {'count': 1, 'period': 'year'},
                                 'amount_cents': 15000}, token=tok)
    check(r.status == 201 and isinstance(r.json['offer'], int),
          'POST /admin/offers')
    r = d.post('/admin/catalogue/publish', {}, token=tok)
    check(r.status == 200 and r.json['version'] >= 1 and r.json['size'] > 0,
          'POST /admin/catalogue/publish')
    r = d.get('/registry/offers')
    check(r.status == 200 and r.headers['content-type'] ==
          'application/cbor' and len(r.body) > 0, 'GET /registry/offers')
    r = d.get('/admin/audit?after=0&limit=3', token=st['auditor'])
    check(r.status == 200 and len(r.json['entries']) == 3 and
          r.json['next'] >= 3 and
          {'seq', 'time', 'who', 'action', 'target'} <=
          set(r.json['entries'][0]), 'GET /admin/audit?after=&limit=')
    check(is_error(d.get('/admin/audit?limit=0', token=st['auditor']), 400),
          'audit limit=0 refused')
    r = d.get('/admin/audit?after=0&limit=1000', token=st['auditor'])
    check(r.status == 200 and all(
        e['action'] and 'Anna' not in json.dumps(e)
        for e in r.json['entries']), 'audit holds no personal data')


def test_auth(d, st):
    log('authentication failures and rate limits')
    tok, aud = d.token, st['auditor']
    wrong = tok[:20] + ('0' if tok[20] != '0' else '1') + tok[21:]
    src = '127.0.0.10'
    check(is_error(d.get('/admin/audit', src=src), 401, 'unauthorized'),
          'no Authorization: 401')
    check(is_error(d.get('/admin/audit', src=src,
                         headers={'Authorization': 'Basic Zm9vOmJhcg=='}),
                   401, 'unauthorized'), 'Basic auth: 401')
    check(is_error(d.get('/admin/audit', token=wrong, src=src), 401,
                   'unauthorized'), 'wrong token: 401')
    check(is_error(d.get('/admin/audit', src='127.0.0.14',
                         headers={'Authorization': 'Bearer ' + 'x' * 600}),
                   401), 'oversized Authorization header: 401')
    check(is_error(d.post('/admin/residents', {'name': 'X', 'birth_year':
                                               2000, 'categories': []},
                          token=aud, src='127.0.0.13'), 403, 'forbidden'),
          'auditor writing: 403')
    check(is_error(d.post('/admin/tokens', {'role': 'admin', 'label': 'x'},
                          token=aud, src='127.0.0.13'), 403, 'forbidden'),
          'auditor minting tokens: 403')
    src = '127.0.0.11'
    for i in range(5):
        check(d.get('/admin/audit', token=wrong, src=src).status == 401,
              'failure %d: 401' % i)
    check(is_error(d.get('/admin/audit', token=wrong, src=src), 429,
                   'rate_limited'), 'sixth failure: 429')
    check(is_error(d.get('/admin/audit', token=aud, src=src), 429,
                   'rate_limited'), 'rate-limited client: 429 even with a '
          'good token')
    check(d.get('/admin/audit', token=aud, src='127.0.0.12').status == 200,
          'other clients unaffected')


def test_enrolment(d, tmp, st):
    log('wallet enrolment')
    code = new_code(d, st['res'])
    st['code'] = code
    w = os.path.join(tmp, 'wallet')
    os.mkdir(w)
    walletkit('keygen', w, 10)
    r = enrol(d, w, code)
    check(r.status == 200 and len(r.json['passes']) == 10 and
          r.json['list'] == 1, 'POST /wallet/credential: %r' % r)
    if r.status != 200:
        return
    keys = d.get('/registry/keys')
    check(keys.status == 200 and keys.headers['content-type'] ==
          'application/cose-key-set' and
          keys.headers['cache-control'] == 'public, max-age=3600',
          'GET /registry/keys')
    kf, pf = os.path.join(tmp, 'keys.cbor'), os.path.join(tmp, 'passes.txt')
    with open(kf, 'wb') as f:
        f.write(keys.body)
    with open(pf, 'w') as f:
        f.write('\n'.join(r.json['passes']) + '\n')
    SECRETS.extend(p[:64] for p in r.json['passes'])
    v = walletkit('verify', w, kf, pf)
    out = [json.loads(l) for l in v.stdout.splitlines()]
    check(v.returncode == 0 and len(out) == 10, 'all 10 passes verify')
    check(len({o['idx'] for o in out}) == 10 and
          len({o['key'] for o in out}) == 10 and
          all(o['list'] == 1 for o in out), 'distinct keys and indices')
    check(all(o.get('pass_no') == st['pass_no'] for o in out),
          'every copy carries the resident\'s pass number')
    st['idx'] = sorted(o['idx'] for o in out)
    r = d.get('/admin/residents/' + st['res'], token=d.token)
    check(r.status == 200 and len(r.json['passes']) == 10 and
          all(p['status'] == 'valid' for p in r.json['passes']) and
          sorted(p['idx'] for p in r.json['passes']) == st['idx'],
          'the resident lists the issued copies')
    # reuse of a code: 410 gone
    check(is_error(enrol(d, w, code), 410, 'gone'), 'code reuse: 410 gone')
    # a bad proof, a reused nonce, a wrong code
    code2 = new_code(d, st['res'])
    n = d.post('/wallet/nonce').json['nonce']
    pr = proofs(w, n, code2)
    sig = bytearray.fromhex(pr[3]['sig'])
    sig[5] ^= 1
    pr[3]['sig'] = sig.hex()
    r = d.post('/wallet/credential', {'code': code2, 'nonce': n,
                                      'proofs': pr})
    check(is_error(r, 400, 'invalid_proof'), 'a bad proof: invalid_proof')
    r = d.post('/wallet/credential', {'code': code2, 'nonce': n,
                                      'proofs': proofs(w, n, code2)})
    check(is_error(r, 400, 'invalid_proof'), 'a used nonce: invalid_proof')
    r = enrol(d, w, 'AAAA-BBBB-CCCC', src='127.0.0.20')
    check(400 <= r.status < 500 and r.json and r.json.get('error'),
          'an unknown code: 4xx: %r' % r)
    for i in range(6):
        r = enrol(d, w, 'ZZZZ-ZZZZ-ZZZ%d' % (i % 10), src='127.0.0.21')
    check(is_error(r, 429, 'rate_limited'), 'guessing codes: 429')
    st['code2'] = code2


def test_code_expiry_start(tmp):
    """A second daemon configured by a --config file, with the shortest
    code lifetime the handler accepts (60 s): a code is made now and
    tried after it expired, at the end of the other tests."""
    log('code expiry, part 1 (code-ttl = 60 from a --config file)')
    dd = os.path.join(tmp, 'short')
    cfg = os.path.join(tmp, 'short.conf')
    with open(cfg, 'w') as f:
        f.write('# test configuration\n'
                'data-dir = %s\nlisten = 127.0.0.1:0\n'
                'code-ttl = 60\nbatch-size = 2\n'
                'checkpoint-interval = 60\nmax-subscribers = 2\n'
                '  issuer-name = "GM0014"  \n' % dd)
    d = Daemon(dd, config=cfg)
    res = new_resident(d, 'Bram Bakker', 1950, [])
    check(res['pass_no'].startswith('GM0014-'), 'issuer-name from the '
          'config file')
    code = new_code(d, res['resident'])
    w = os.path.join(tmp, 'wallet2')
    os.mkdir(w)
    walletkit('keygen', w, 2)
    return {'d': d, 'code': code, 'w': w, 't': time.time()}


def test_code_expiry_end(e):
    log('code expiry, part 2')
    d = e['d']
    try:
        left = e['t'] + 61.5 - time.time()
        if left > 0:
            time.sleep(left)
        check(is_error(enrol(d, e['w'], e['code']), 410, 'gone'),
              'an expired code: 410 gone')
        subs = [ws_connect(d) for _ in range(3)]
        check(subs[0] is not None and subs[1] is not None and
              subs[2] is None, 'max-subscribers = 2: the third is refused')
        for ws in subs:
            if ws is not None:
                ws['s'].close()
    finally:
        check(d.stop(signal.SIGINT) == 0, 'short daemon: SIGINT exit 0')


def test_hostile(d):
    log('hostile bodies')
    # Each a 4xx JSON error; /wallet/* need no token (no Argon2 per try).
    cases = [
        ('truncated', b'{"code":"AAAA-BBBB-CCCC","nonce":'),
        ('wrong types', b'{"code":1,"nonce":[],"proofs":"x"}'),
        ('unknown field', b'{"code":"A","nonce":"00","proofs":[],"x":1}'),
        ('deep nesting', b'{"a":' + b'[' * 1000 + b']' * 1000 + b'}'),
        ('invalid UTF-8', b'{"code":"\xff\xfe","nonce":"00","proofs":[]}'),
        ('not an object', b'[1,2,3]'),
        ('empty', b''),
        ('NUL', b'{"code":"A\\u0000B","nonce":"00","proofs":[]}'),
        ('duplicate key', b'{"code":"A","code":"B","nonce":"00",'
                          b'"proofs":[]}'),
        ('huge number', b'{"code":"A","nonce":"00","proofs":[1e400]}'),
    ]
    for path in ('/wallet/credential', '/wallet/nonce'):
        for what, body in cases:
            r = d.req('POST', path, body=body,
                      headers={'Content-Type': 'application/json'})
            check(400 <= r.status < 500 and is_error(r, r.status),
                  '%s %s: 4xx JSON error, got %r' % (path, what, r))
    r = d.req('POST', '/admin/residents', body=b'{"name":"A","birth_year":'
              b'"2000","categories":[]}', token=d.token)
    check(is_error(r, 400, 'bad_json'), 'admin: wrong type: bad_json')
    r = d.get('/healthz', body=b'x', headers={'Content-Type': 'text/plain'})
    check(is_error(r, 400), 'GET with a body: 400')

    # Over the cap: 413, drained, and the connection stays usable.
    s = d.tls()
    big = b'{"a":"' + b'x' * (300 * 1024) + b'"}'
    s.sendall(b'POST /wallet/nonce HTTP/1.1\r\nHost: x\r\nContent-Type: '
              b'application/json\r\nContent-Length: %d\r\n\r\n' % len(big) +
              big)
    r = raw_resp(s)
    check(r is not None and is_error(r, 413, 'too_large'),
          'a 300 KiB body: 413 too_large')
    s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
    r = raw_resp(s)
    check(r is not None and r.status == 200, 'same connection after 413')
    s.close()
    # A declared 100 MB body: 413 at once, then the connection closes.
    s = d.tls()
    s.sendall(b'POST /wallet/nonce HTTP/1.1\r\nHost: x\r\n'
              b'Content-Length: 100000000\r\n\r\n')
    r = raw_resp(s)
    check(r is not None and is_error(r, 413, 'too_large') and
          r.headers.get('connection') == 'close' and closed_by_peer(s, 5),
          'a declared 100 MB body: 413, closed')
    s.close()
    # Chunked bodies (lws 4.1 reads bodies by Content-Length only): 411.
    s = d.tls()
    s.sendall(b'POST /wallet/nonce HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:'
              b' chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n')
    r = raw_resp(s)
    check(r is not None and is_error(r, 411), 'a chunked body: 411')
    s.close()
    # A body cut short: the client goes away; nothing breaks.
    s = d.tls()
    s.sendall(b'POST /wallet/nonce HTTP/1.1\r\nHost: x\r\n'
              b'Content-Length: 100\r\n\r\n{"a":')
    s.close()
    # Garbage instead of HTTP.
    s = d.tls()
    s.sendall(b'\x00\x01\x02 not http at all\r\n\r\n')
    closed_by_peer(s, 5)
    s.close()
    check(d.get('/healthz').status == 200, 'daemon healthy after all that')
    m = d.get('/metrics').body.decode()
    got = dict(re.findall(r'^(stadspas_\S+) (\d+)$', m, re.M))
    check(int(got.get('stadspas_http_rejected_total{status="413"}', 0)) >= 2
          and int(got.get('stadspas_http_rejected_total{status="411"}', 0))
          >= 1 and int(got.get('stadspas_http_aborted_total', 0)) >= 1 and
          int(got.get('stadspas_http_connections_total', 0)) > 10 and
          got.get('stadspas_http_in_flight') == '1',
          'the daemon\'s own metrics: %r' % {k: v for k, v in got.items()
                                             if 'http' in k})


def test_slow_client(d):
    log('a client that stalls mid-body is dropped (body-timeout 3 s)')
    s = d.tls()
    t0 = time.time()
    s.sendall(b'POST /wallet/nonce HTTP/1.1\r\nHost: x\r\n'
              b'Content-Length: 200\r\n\r\n{"a":')
    # Others are served meanwhile, quickly.
    lat = []
    for _ in range(5):
        t = time.time()
        ok = d.get('/healthz').status == 200
        lat.append(time.time() - t)
        check(ok, 'healthz while a client stalls')
    check(max(lat) < 2, 'others not delayed by the stalled client (%.2f s)'
          % max(lat))
    dropped = closed_by_peer(s, 15)
    took = time.time() - t0
    check(dropped and 2 <= took <= 10, 'stalled client dropped after '
          '%.1f s' % took)
    s.close()
    # A client that stalls before finishing its headers: dropped too.
    s = d.tls()
    s.sendall(b'GET /healthz HTTP/1.1\r\nHost: x\r\n')
    check(closed_by_peer(s, 30), 'stalled headers dropped')
    s.close()


def test_caching(d):
    log('ETag and 304 on registry endpoints')
    short, cbor = 'public, max-age=60', 'application/cbor'
    for path, cc, ct in (
            ('/registry/keys', 'public, max-age=3600',
             'application/cose-key-set'),
            ('/registry/1/checkpoint', short, cbor),
            ('/registry/1/snapshot', short, cbor),
            ('/registry/1/delta?from=0', short, cbor),
            ('/status/1', short, 'application/statuslist+cwt'),
            ('/registry/offers', short, cbor)):
        # A checkpoint signed in between (interval 2 s) changes the
        # answer and its ETag legitimately: try again then.
        for attempt in range(5):
            r = d.get(path)
            et = r.headers.get('etag', '')
            r2 = d.get(path, headers={'If-None-Match': et})
            r3 = d.get(path, headers={'If-None-Match': '"0000", W/' + et})
            if r2.status == 304 and r3.status == 304:
                break
        check(r.status == 200 and et.startswith('"') and len(r.body) > 0 and
              r.headers.get('cache-control') == cc and
              r.headers.get('content-type') == ct,
              'GET %s: 200, ETag, Cache-Control: %r %r' % (path, r, et))
        check(r2.status == 304 and r2.body == b'' and
              r2.headers.get('etag') == et, 'If-None-Match %s: 304' % path)
        check(r3.status == 304, 'If-None-Match list %s: 304' % path)
        r4 = d.get(path, headers={'If-None-Match': '"0000"'})
        check(r4.status == 200, 'other ETag %s: 200' % path)
    check(is_error(d.get('/registry/1/delta?from=x'), 400),
          'delta?from=x: 400')
    check(is_error(d.get('/registry/9/checkpoint'), 404), 'unknown list: 404')


def test_stream(d, st):
    log('WebSocket stream and revocation')
    check(ws_connect(d, '/registry/elsewhere') is None,
          'WebSocket on another path refused')
    ws = ws_connect(d)
    ws2 = ws_connect(d, proto=None)
    check(ws is not None and ws2 is not None,
          'WebSocket /registry/stream (with and without subprotocol)')
    if ws is None or ws2 is None:
        return
    before = d.get('/healthz').json['registry_size']
    r = d.post('/admin/residents/%s/revoke' % st['res'], {'reason': 1},
               token=d.token)
    check(r.status == 200 and r.json['changed'] == 10,
          'POST .../revoke: %r' % r)
    got = None
    end = time.time() + 20
    while time.time() < end and got is None:
        try:
            op, payload = ws_read(ws, max(0.1, end - time.time()))
        except (socket.timeout, EOFError, OSError):
            break
        if op == 1:
            m = json.loads(payload)
            if m.get('type') == 'checkpoint' and m.get('size', 0) > before:
                got = m
    check(got is not None and got['list'] == 1 and got['size'] >= before +
          10 and isinstance(got['time'], int),
          'a checkpoint message after the revocation: %r' % got)
    try:
        op, payload = ws_read(ws2, 10)
        while op != 1:
            op, payload = ws_read(ws2, 10)
        check(json.loads(payload)['type'] == 'checkpoint',
              'the second subscriber gets it too')
    except (socket.timeout, EOFError, OSError):
        check(False, 'the second subscriber gets it too')
    r = d.get('/admin/residents/' + st['res'], token=d.token)
    check(all(p['status'] == 'revoked' for p in r.json['passes']),
          'every copy revoked')
    check(is_error(enrol(d, os.path.join(st['tmp'], 'wallet'), st['code2']),
                   409, 'conflict'), 'a revoked resident cannot enrol')
    # suspend / reinstate on another resident
    res = new_resident(d, 'Carla Claes', 1990, [])['resident']
    r = d.post('/admin/residents/%s/suspend' % res, {'reason': 2},
               token=d.token)
    check(r.status == 200 and 'changed' in r.json, 'POST .../suspend')
    r = d.post('/admin/residents/%s/reinstate' % res, {'reason': 3},
               token=d.token)
    check(r.status == 200 and 'changed' in r.json, 'POST .../reinstate')
    st['ws'] = ws
    ws2['s'].close()


def test_h2(d):
    log('HTTP/2 via ALPN (curl --http2)')
    curl = shutil.which('curl')
    if curl is None:
        print('SKIP: curl not found; h2 not checked')
        return
    base = 'https://127.0.0.1:%d' % d.port
    r = subprocess.run([curl, '--http2', '-sk', base + '/healthz', '-w',
                        '%{http_version}', '-o', '/dev/null'],
                       capture_output=True, text=True, timeout=60)
    check(r.stdout.strip() == '2', 'curl --http2 -sk .../healthz prints 2: '
          '%r' % r.stdout)
    r = subprocess.run([curl, '--http2', '-s', '--cacert', d.cert,
                        base + '/wallet/nonce', '-d', '{}', '-H',
                        'Content-Type: application/json', '-w',
                        '\n%{http_version} %{http_code}'],
                       capture_output=True, text=True, timeout=60)
    lines = r.stdout.strip().split('\n')
    check(lines[-1] == '2 200' and len(json.loads(lines[0])['nonce']) == 64,
          'POST over h2 (certificate verified): %r' % r.stdout)
    r = subprocess.run([curl, '--http2', '-s', '--cacert', d.cert,
                        base + '/registry/keys', '-o', '/dev/null', '-w',
                        '%{http_version} %{http_code} %{size_download}'],
                       capture_output=True, text=True, timeout=60)
    check(r.stdout.startswith('2 200 '), 'registry over h2')
    r = subprocess.run([curl, '--http1.1', '-s', '--cacert', d.cert,
                        base + '/healthz', '-o', '/dev/null', '-w',
                        '%{http_version}'], capture_output=True, text=True,
                       timeout=60)
    check(r.stdout == '1.1', 'HTTP/1.1 still offered')



def h2_frame(ftype, flags, sid, payload=b''):
    return (struct.pack('>I', len(payload))[1:] + bytes([ftype, flags]) +
            struct.pack('>I', sid) + payload)


def h2_ok(block):
    """The HPACK block starts with :status 200: indexed (0x88), a literal
    "200" under static name index 8, or a literal with the name spelt out
    (what lws 4.1 sends), none Huffman-coded."""
    if block is None:
        return False
    return (block[:1] == b'\x88' or
            (block[:1] in (b'\x08', b'\x18', b'\x48') and
             block[1:5] == b'\x03200') or
            (block[:1] in (b'\x00', b'\x10', b'\x40') and
             block[1:13] == b'\x07:status\x03200'))


def h2_get(d, path, window, timeout=30):
    """GET path over h2 with our own tiny client: the stream window is
    `window` bytes and is only reopened (WINDOW_UPDATE) once the server
    has used all of it, so it has to wait for credit. Returns (the
    response header block, body, error or None)."""
    ctx = ssl.create_default_context(cafile=d.cert)
    ctx.set_alpn_protocols(['h2'])
    raw = socket.create_connection(('127.0.0.1', d.port), timeout=timeout)
    s = ctx.wrap_socket(raw, server_hostname='127.0.0.1')
    buf, body, status = b'', b'', None
    try:
        if s.selected_alpn_protocol() != 'h2':
            return None, b'', 'ALPN did not select h2'
        auth = ('127.0.0.1:%d' % d.port).encode()
        hdrs = (b'\x82\x87' + b'\x04' + bytes([len(path)]) +
                path.encode() + b'\x01' + bytes([len(auth)]) + auth)
        s.sendall(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' +
                  h2_frame(4, 0, 0, struct.pack('>HI', 4, window)) +
                  h2_frame(1, 5, 1, hdrs))
        unacked = 0
        while True:
            while len(buf) < 9 or len(buf) < 9 + int.from_bytes(buf[:3],
                                                                'big'):
                more = s.recv(65536)
                if not more:
                    return status, body, 'connection closed'
                buf += more
            n = int.from_bytes(buf[:3], 'big')
            ftype, flags = buf[3], buf[4]
            pl, buf = buf[9:9 + n], buf[9 + n:]
            if ftype == 4 and not flags & 1:
                s.sendall(h2_frame(4, 1, 0))            # SETTINGS ack
            elif ftype == 6 and not flags & 1:
                s.sendall(h2_frame(6, 1, 0, pl))        # PING ack
            elif ftype == 1:
                status = pl
                if flags & 1:
                    return status, body, None
            elif ftype == 0:
                body += pl
                unacked += len(pl)
                if flags & 1:
                    return status, body, None
                if unacked >= window:
                    inc = struct.pack('>I', unacked)
                    s.sendall(h2_frame(8, 0, 0, inc) + h2_frame(8, 0, 1, inc))
                    unacked = 0
            elif ftype in (3, 7):
                return status, body, 'RST_STREAM/GOAWAY %r' % pl
    except OSError as e:
        return status, body, repr(e)
    finally:
        s.close()


def test_big_bodies(d, tmp):
    """Bodies far over the 4 KiB lws sends at once and over the peer's
    h2 window arrive whole, the same over HTTP/1.1 and h2."""
    log('large bodies over HTTP/1.1 and h2 (catalogue > 64 KiB)')
    till = os.path.join(tmp, 'till-big')
    os.mkdir(till)
    walletkit('keygen', till, 1)
    r = d.post('/admin/providers', {'name': 'Bibliotheek Groot',
                                    'till_keys': [proofs(till, '00' * 32,
                                                         'x')[0]['key']]},
               token=d.token)
    if not check(r.status == 201, 'provider for the big catalogue'):
        return
    prov = r.json['provider']
    c = d.conn()
    for i in range(600):
        r = d.post('/admin/offers', {
            'provider': prov, 'title': ('Aanbod %04d ' % i).ljust(128, 'x'),
            'category': 'cultuur', 'requires': ['pass_no', 'birth_year'],
            'amount_cents': 100 + i}, token=d.token, conn=c)
        if not check(r.status == 201, 'offer %d for the big catalogue' % i):
            c.close()
            return
    c.close()
    r = d.post('/admin/catalogue/publish', {}, token=d.token)
    check(r.status == 200, 'publish the big catalogue')
    big = d.get('/registry/offers')
    check(big.status == 200 and len(big.body) > 64 * 1024 and
          int(big.headers['content-length']) == len(big.body),
          'catalogue over 64 KiB over HTTP/1.1: %d bytes' % len(big.body))
    snap = d.get('/registry/1/snapshot')
    check(snap.status == 200 and len(snap.body) > 4096,
          'snapshot over 4 KiB over HTTP/1.1: %d bytes' % len(snap.body))
    curl = shutil.which('curl')
    feats = subprocess.run([curl, '-V'], capture_output=True, text=True,
                           timeout=60).stdout if curl else ''
    if ' HTTP2' not in feats:
        print('SKIP: no curl with HTTP2; curl --http2 not checked')

    def same(what, fetch):
        """fetch() against HTTP/1.1 fetches just before and after (a
        checkpoint every 2 s may give a new snapshot in between)."""
        before = d.get(what).body
        got, err = fetch(what)
        return got, err, got in (before, d.get(what).body)

    def by_curl(flag):
        def fetch(what):
            out = os.path.join(tmp, 'big.out')
            r = subprocess.run([curl, flag, '-sS', '--cacert', d.cert,
                                '-m', '30', base + what, '-o', out, '-w',
                                '%{http_version} %{http_code}'],
                               capture_output=True, text=True, timeout=60)
            with open(out, 'rb') as f:
                got = f.read()
            ok = r.returncode == 0 and r.stdout == flag[6:] + ' 200'
            return got, None if ok else 'rc %d %r' % (r.returncode,
                                                      r.stdout)
        return fetch

    def by_h2_window(what):
        # our own h2 client: a 16 KiB stream window the server must keep
        block, got, err = h2_get(d, what, 16384)
        return got, err if err is not None or h2_ok(block) else 'status'

    base = 'https://127.0.0.1:%d' % d.port
    ways = [('h2, 16 KiB window', by_h2_window)]
    if curl is not None:
        ways.append(('curl --http1.1', by_curl('--http1.1')))
    if ' HTTP2' in feats:
        ways.append(('curl --http2', by_curl('--http2')))
    for what, size in (('/registry/offers', len(big.body)),
                       ('/registry/1/snapshot', None)):
        for name, fetch in ways:
            got, err, ok = same(what, fetch)
            check(err is None and ok and len(got) == (size or len(got)),
                  '%s %s: %s, %d of %s bytes, same as HTTP/1.1: %s' %
                  (name, what, err, len(got), size or len(snap.body), ok))
    check(d.get('/healthz').status == 200, 'daemon fine after big bodies')

def test_logs(d):
    log('log lines: one per request, no secrets or personal data')
    lines = d.snapshot()
    reqs = [l for l in lines if 'msg=request ' in l]
    check(len(reqs) > 50, 'request lines logged')
    pat = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=\w+ '
                     r'msg=request peer="[^"]+" proto=\S+ method=[A-Z]+ '
                     r'path="[^"]*" status=\d{3} bytes=\d+ ms=[\d.]+$')
    bad = [l for l in reqs if not pat.match(l)]
    check(not bad, 'request line format: %r' % bad[:3])
    for l in lines:
        if 'admin bootstrap token' in l:
            continue
        for s in SECRETS:
            if s and s in l:
                check(False, 'secret or personal data in the log: %r' % l)
                return


def burst(d, stop_evt, acked, errors, src):
    c = d.conn(src, timeout=30)
    i = 0
    while not stop_evt.is_set():
        i += 1
        name = 'Burst %s %d' % (src, i)
        try:
            r = d.post('/admin/residents', {'name': name, 'birth_year': 2000,
                                            'categories': []},
                       token=d.token, conn=c)
        except (OSError, http.client.HTTPException):
            return      # the daemon went away: this one is not acked
        if r.status == 201:
            acked.append((r.json['resident'], r.json['pass_no'], name))
        else:
            errors.append(r)


def test_sigterm(d, tmp):
    log('SIGTERM during a burst: exit 0, everything acknowledged kept')
    ws = ws_connect(d)
    acked, errors, stop_evt = [], [], threading.Event()
    ts = [threading.Thread(target=burst, args=(d, stop_evt, acked, errors,
                                                '127.0.0.%d' % (30 + i)))
          for i in range(6)]
    for t in ts:
        t.start()
    time.sleep(2.5)
    t0 = time.time()
    d.p.send_signal(signal.SIGTERM)
    rc = d.p.wait(60)
    took = time.time() - t0
    stop_evt.set()
    for t in ts:
        t.join(60)
    log('burst: %d acknowledged before the stop (%.1f s to exit)' %
        (len(acked), took))
    check(rc == 0, 'exit code 0 after SIGTERM (got %s)' % rc)
    check(took < 15, 'stopped within the drain timeout (%.1f s)' % took)
    check(len(acked) > 0 and not errors, 'burst: %d acknowledged, errors %r'
          % (len(acked), errors[:3]))
    check(d.wait_line(lambda l: 'msg=stopping' in l, 5) is not None,
          'logged the stop')
    if ws is not None:
        try:
            op, payload = ws_read(ws, 5)
            while op != 8:
                op, payload = ws_read(ws, 5)
            check(struct.unpack('>H', payload[:2])[0] == 1001,
                  'subscribers get a 1001 close frame')
        except (socket.timeout, EOFError, OSError):
            check(False, 'subscribers get a close frame')
    d2 = Daemon(d.data_dir, bootstrap=True, token=d.token)
    check(d2.token is not None and not any(
        'admin bootstrap token' in l for l in d2.snapshot()),
          'the bootstrap token is printed only once')
    c = d2.conn()
    missing = [a for a in acked if d2.get('/admin/residents/' + a[0],
                                          token=d2.token, conn=c).status !=
               200]
    c.close()
    check(not missing, 'every acknowledged resident survives: missing %r'
          % missing[:3])
    check(len({a[1] for a in acked}) == len(acked),
          'distinct pass numbers in the burst')
    return d2, acked


def resident_passes(d, rid, conn=None):
    r = d.get('/admin/residents/' + rid, token=d.token, conn=conn)
    return r.json if r.status == 200 else None


def test_sigkill_renewal(d, tmp):
    log('SIGKILL during a bulk renewal: nothing committed lost, no index '
        'or pass number twice, the renewal resumes')
    # Enough residents for a renewal that takes many ticks (2 per tick).
    c = d.conn()
    renewed = [new_resident(d, 'Renewal %d' % i, 1980, ['sport'],
                            conn=c)['resident'] for i in range(24)]
    c.close()
    # Two residents hold copies: the renewal signs renewed ones for them.
    held = []
    for k, res in enumerate((renewed[0], renewed[-1])):
        wr = os.path.join(tmp, 'wallet_r%d' % k)
        os.mkdir(wr)
        walletkit('keygen', wr, 2)
        r = enrol(d, wr, new_code(d, res))
        check(r.status == 200, 'enrol before the renewal: %r' % r)
        held.append((res, wr, r.json.get('passes', []) if r.json else []))
    rc = d.stop()
    check(rc == 0, 'SIGTERM exit 0')
    token = d.token
    # Slow slices (2 residents a second) so the kill lands mid-job.
    d = Daemon(d.data_dir, '--renewal-slice', '2', '--renewal-pause',
               '1000', bootstrap=False, token=token)
    now = int(time.time())
    r = d.post('/admin/renewals', {'valid_from': now, 'valid_until':
                                   now + 300 * 86400}, token=d.token)
    check(r.status == 202 and r.json['job'], 'POST /admin/renewals: %r' % r)
    job = r.json['job']
    check(is_error(d.post('/admin/renewals', {'valid_from': now,
                                              'valid_until': now + 86400},
                          token=d.token), 409, 'conflict'),
          'a second renewal while one runs: 409')
    # Issue passes while the renewal runs; remember what was acknowledged.
    acked = []
    w = os.path.join(tmp, 'wallet3')
    os.mkdir(w)
    walletkit('keygen', w, 3)
    for i in range(2):
        res = new_resident(d, 'Kill %d' % i, 2001, [])['resident']
        r = enrol(d, w, new_code(d, res))
        if check(r.status == 200, 'enrol during renewal: %r' % r):
            acked.append(res)
    r = d.get('/admin/renewals/' + job, token=d.token)
    check(r.status == 200 and r.json['total'] >= 24, 'GET renewal job')
    before_kill = r.json
    log('renewal at the kill: %d of %d' % (r.json['done'], r.json['total']))
    check(not before_kill['finished'], 'still running when killed: %r' %
          before_kill)
    rc = d.stop(signal.SIGKILL)
    check(rc == -signal.SIGKILL, 'SIGKILL')
    # Resume with larger slices: how many residents the SIGTERM burst
    # created depends on the machine (hundreds, admin tokens being
    # cached), and two a tick could outlast the wait below.
    d = Daemon(d.data_dir, '--renewal-slice', '64', bootstrap=False,
               token=token)
    r = d.get('/admin/renewals/' + job, token=d.token)
    check(r.status == 200 and r.json['done'] >= before_kill['done'] and
          r.json['total'] == before_kill['total'], 'job state kept: %r' %
          r.json)
    end = time.time() + 120
    while time.time() < end:
        r = d.get('/admin/renewals/' + job, token=d.token)
        if r.status == 200 and r.json['finished']:
            break
        time.sleep(1)
    check(r.status == 200 and r.json['finished'] and
          r.json['done'] == r.json['total'], 'renewal resumed and finished: '
          '%r' % r.json)
    # Every resident: acknowledged passes kept, indices and numbers unique.
    c = d.conn()
    idx, numbers, ok = [], [], True
    i = 1
    while True:
        j = resident_passes(d, 'r%d' % i, c)
        if j is None:
            break
        numbers.append(j['pass_no'])
        idx.extend((p['list'], p['idx']) for p in j['passes'])
        if 'r%d' % i in acked:
            ok = ok and len(j['passes']) == 3
        i += 1
    c.close()
    check(i > 24, 'residents listed: %d' % (i - 1))
    check(ok, 'passes acknowledged before the kill are kept')
    check(len(set(idx)) == len(idx), 'no status index used twice')
    check(len(set(numbers)) == len(numbers), 'no pass number used twice')
    # Renewed copies: listed with the resident (so revocation reaches
    # them), fetched by proof of possession, valid until valid_until.
    for k, (res, wr, old) in enumerate(held):
        j = resident_passes(d, res)
        check(j is not None and len(j['passes']) == 4,
              'two copies and two renewed ones listed: %r' % j)
        nonce = d.post('/wallet/nonce', {}).json['nonce']
        pr = json.loads(walletkit('refresh', wr, nonce).stdout)
        r = d.post('/wallet/refresh', {'nonce': nonce, 'proofs': pr})
        if not check(r.status == 200 and r.json['found'] == 2 and
                     all(r.json['passes']), 'POST /wallet/refresh: %r' % r):
            continue
        check(not set(r.json['passes']) & set(old),
              'renewed copies are new copies')
        kf = os.path.join(tmp, 'keys_r%d.cbor' % k)
        pf = os.path.join(tmp, 'renewed%d.txt' % k)
        with open(kf, 'wb') as f:
            f.write(d.get('/registry/keys').body)
        with open(pf, 'w') as f:
            f.write('\n'.join(r.json['passes']) + '\n')
        v = walletkit('verify', wr, kf, pf)
        out = [json.loads(l) for l in v.stdout.splitlines()]
        check(v.returncode == 0 and len(out) == 2 and all(
            o['exp'] == now + 300 * 86400 for o in out),
              'renewed copies verify and expire at valid_until')
        r = d.post('/wallet/refresh', {'nonce': nonce, 'proofs': pr})
        check(is_error(r, 400, 'invalid_proof'), 'a refresh nonce is '
              'single-use')
    # The renewed window reached the residents: a renewed resident's next
    # enrolment gets exp = valid_until.
    res = renewed[0]
    j = resident_passes(d, res)
    check(j is not None and j.get('renewal', {}).get('valid_until') ==
          now + 300 * 86400, 'the renewal window is recorded: %r' % j)
    # Key rotation: the new key comes first; old passes keep verifying.
    old_keys = d.get('/registry/keys').body
    r = d.post('/admin/keys/rotate', {}, token=d.token)
    check(r.status == 200 and r.json['keys'] == 2 and
          len(r.json['kid']) == 8, 'POST /admin/keys/rotate: %r' % r)
    new_keys = d.get('/registry/keys').body
    check(new_keys != old_keys and len(new_keys) > len(old_keys),
          'the key list grew')
    r = enrol(d, w, new_code(d, res))
    if check(r.status == 200, 'enrolment after the renewal'):
        kf, pf = os.path.join(tmp, 'keys3.cbor'), os.path.join(tmp, 'p3.txt')
        with open(kf, 'wb') as f:
            f.write(d.get('/registry/keys').body)
        with open(pf, 'w') as f:
            f.write('\n'.join(r.json['passes']) + '\n')
        v = walletkit('verify', w, kf, pf)
        out = [json.loads(l) for l in v.stdout.splitlines()]
        check(v.returncode == 0 and out and all(
            o['exp'] == now + 300 * 86400 for o in out),
              'renewed passes expire at valid_until')
    return d


def trust_chain(d, tmp, fp):
    """GET /registry/trust, checked by walletkit against fp: the list of
    versions ({"version", "signer", "keys"}) or None."""
    r = d.get('/registry/trust')
    check(r.status == 200 and r.headers['content-type'] ==
          'application/cbor' and r.headers.get('etag') and
          'max-age' in r.headers.get('cache-control', ''),
          'GET /registry/trust: %r' % r)
    cf = os.path.join(tmp, 'trust.cbor')
    with open(cf, 'wb') as f:
        f.write(r.body)
    v = walletkit('trust', cf, fp)
    if not check(v.returncode == 0, 'the trust chain verifies from the '
                 'pinned fingerprint'):
        return None
    return [json.loads(l) for l in v.stdout.splitlines()]


def test_trust(d, tmp):
    log('trust list: fingerprint logged, chain over rotation and removal')
    # This daemon started before the rotation: it logged the old key.
    fps = [re.search(r'issuer key fingerprint ([0-9a-f]{64})', l)
           for l in d.snapshot()]
    fps = [m.group(1) for m in fps if m]
    if not check(fps, 'the fingerprint is logged at start'):
        return
    old = fps[-1]
    chain = trust_chain(d, tmp, old)
    if not chain:
        return
    check(len(chain) == 2 and chain[0]['keys'] == [old] and
          chain[1]['keys'][1:] == [old] and chain[1]['signer'] == old[:8],
          'version 2 adds the new key, signed by the old one: %r' % chain)
    new = chain[1]['keys'][0]
    check(walletkit('trust', os.path.join(tmp, 'trust.cbor'),
                    '00' * 32).returncode != 0,
          'a wrong fingerprint is refused')
    r = d.get('/admin/keys', token=d.token)
    check(r.status == 200 and [k['fingerprint'] for k in r.json['keys']] ==
          [new, old] and r.json['keys'][0]['current'] and
          not r.json['keys'][1]['current'] and r.json['trust_version'] == 2,
          'GET /admin/keys: %r' % r)
    check(d.get('/healthz').json.get('trust_version') == 2,
          '/healthz trust_version')
    check(is_error(d.post('/admin/keys/%s/remove' % new[:8], {},
                          token=d.token), 409, 'conflict'),
          'removing the current key: 409')
    check(is_error(d.post('/admin/keys/ffffffff/remove', {},
                          token=d.token), 404, 'not_found'),
          'removing an unknown key: 404')
    check(is_error(d.post('/admin/keys/%s/remove' % old[:8], {}), 401),
          'removal without a token: 401')
    keys_before = d.get('/registry/keys').body
    r = d.post('/admin/keys/%s/remove' % old[:8], {}, token=d.token)
    check(r.status == 200 and r.json['keys'] == 1 and
          r.json['trust_version'] == 3, 'POST /admin/keys/{kid}/remove: '
          '%r' % r)
    keys_after = d.get('/registry/keys').body
    check(len(keys_after) < len(keys_before) and keys_after[0] == 0x81 and
          hashlib.sha256(keys_after[1:]).hexdigest() == new,
          'the removed key left /registry/keys')
    chain = trust_chain(d, tmp, old)
    check(chain and len(chain) == 3 and chain[2]['keys'] == [new] and
          chain[2]['signer'] == new[:8],
          'version 3 drops the old key, signed by the current one')
    actions, after = [], 0
    while True:
        r = d.get('/admin/audit?after=%d&limit=1000' % after, token=d.token)
        if r.status != 200 or not r.json['entries']:
            break
        actions += [e['action'] for e in r.json['entries']]
        after = r.json['next']
    check('keys.remove' in actions and 'keys.rotate' in actions,
          'audit keys.rotate, keys.remove')


def main():
    tmp = tempfile.mkdtemp(prefix='sp-issuerd-')
    d = short = None
    try:
        test_cli(tmp)
        short = test_code_expiry_start(tmp)
        d = Daemon(os.path.join(tmp, 'main'))
        st = {'tmp': tmp}
        test_basics(d)
        test_admin(d, tmp, st)
        test_auth(d, st)
        test_enrolment(d, tmp, st)
        test_hostile(d)
        test_slow_client(d)
        test_caching(d)
        test_stream(d, st)
        test_h2(d)
        test_big_bodies(d, tmp)
        test_logs(d)
        test_code_expiry_end(short)
        d, _ = test_sigterm(d, tmp)
        d = test_sigkill_renewal(d, tmp)
        test_trust(d, tmp)
        test_logs(d)
        check(d.stop() == 0, 'final SIGTERM: exit 0')
    except Exception as e:      # report, clean up, fail
        import traceback
        traceback.print_exc()
        FAILS.append('exception: %r' % e)
    finally:
        for x in (d, short and short['d']):
            if x is not None and x.p.poll() is None:
                x.p.kill()
                x.p.wait()
        if FAILS and d is not None:
            d.dump()
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print('%d check(s) failed' % len(FAILS))
        return 1
    print('test_daemon: all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
