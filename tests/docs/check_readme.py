#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every shell command in README.md works as written.

usage: check_readme.py SOURCE_ROOT BUILD_DIR

Takes each ```sh block of the README, joins continuation lines, and:
- `make TARGET`: checks that the Makefile has that target (running
  `make test` here would recurse, `make demo` is the demo test's job);
- a command that installs packages (apt-get, dpkg): skipped;
- anything else: runs it with sh -e in the source root, `build/` meaning
  this build directory and `/tmp/` a fresh temp directory; exit 0 wanted.
The first block must be exactly the two documented commands, `make demo`
and `make test`. Exit 0 = pass.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1])
BUILD = os.path.abspath(sys.argv[2])
FAILS = []


def fail(what):
    FAILS.append(what)
    print('FAIL:', what, flush=True)


def blocks(text):
    out, cur = [], None
    for line in text.splitlines():
        if cur is None and line.strip() == '```sh':
            cur = []
        elif cur is not None and line.strip() == '```':
            out.append(cur)
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def commands(lines):
    cmds, acc = [], ''
    for line in lines:
        acc += line
        if acc.endswith('\\'):
            acc += '\n'	# sh joins backslash-newline itself
            continue
        if acc.strip() and not acc.lstrip().startswith('#'):
            cmds.append(acc)
        acc = ''
    return cmds


def make_targets():
    with open(os.path.join(ROOT, 'Makefile')) as f:
        return set(re.findall(r'^([a-z][a-z-]*):', f.read(), re.M))


def main():
    with open(os.path.join(ROOT, 'README.md')) as f:
        bs = blocks(f.read())
    if not bs:
        fail('no ```sh block in README.md')
        return 1
    first = [re.sub(r'\s*#.*', '', c).strip() for c in commands(bs[0])]
    if first != ['make demo', 'make test']:
        fail('the first block is %r, want make demo and make test' % first)
    targets = make_targets()
    tmp = tempfile.mkdtemp(prefix='sp-readme-')
    ran = 0
    try:
        for b in bs:
            for c in commands(b):
                word = re.sub(r'\s#.*', '', c).split()
                if word[0] == 'make':
                    for t in word[1:]:
                        if t not in targets:
                            fail('README: make %s: no such target' % t)
                    continue
                if re.search(r'\b(apt-get|apt|dpkg)\b', c):
                    continue
                # /tmp/ first: the build directory may itself live
                # under /tmp (a clone there), and must stay as it is.
                run = c.replace('/tmp/', tmp + '/')
                run = re.sub(r'(?<![\w/.-])build/', BUILD + '/', run)
                p = subprocess.run(['sh', '-ec', run], cwd=ROOT,
                                   capture_output=True, text=True,
                                   timeout=120, stdin=subprocess.DEVNULL)
                ran += 1
                if p.returncode != 0:
                    fail('README command failed (exit %d): %s\n%s%s' %
                         (p.returncode, c, p.stdout[-800:],
                          p.stderr[-800:]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if ran == 0:
        fail('no README command was run')
    if FAILS:
        print('%d failure(s)' % len(FAILS))
        return 1
    print('check_readme: %d commands ran, make targets %s present' %
          (ran, ', '.join(sorted(targets))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
