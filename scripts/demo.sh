#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make demo: the end-to-end story on embedded defaults. Until the issuer
# daemon, wallet and till land, this runs the credential-core example:
# issue a pass, present it as a QR code, verify it at a till, refuse a
# tampered copy.
set -eu
cd "$(dirname "$0")/.."
exec build/examples/pass_roundtrip "$@"
