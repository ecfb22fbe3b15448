#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages stadspas needs, if any are missing.
# Not root: prints the exact command to run and exits 1.
set -eu

PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev \
libsodium-dev libssl-dev liblmdb-dev libwebsockets-dev zlib1g-dev \
libjansson-dev libqrencode-dev libzbar-dev zbar-tools libpng-dev \
python3 openssl libjpeg-dev wrk curl"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "stadspas: missing Debian packages:$missing" >&2
	echo "run as root:  apt-get update && $cmd" >&2
	exit 1
fi
echo "stadspas: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
