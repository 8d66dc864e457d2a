#!/usr/bin/env bash
# Installs the Debian packages EventSpool's build and tests need, when they are missing, and any
# packages named as arguments (`make bench` adds nginx-light and wrk).
set -euo pipefail

# openssl: the TLS tests make a throw-away CA and certificates with its command line tool.
# systemd, strace: the packaging tests check Config/systemd with systemd-analyze, systemd-sysusers and
# systemd-tmpfiles (offline: systemd need not run), and trace a sweep against the unit's sandbox; a
# metrics-file test traces spoolctl's fsync, rename and folder fsync, in that order.
# groff-base, man-db: `make test-install` renders the generated man page and finds it with man.
packages=(libcurl4-openssl-dev openssl systemd strace groff-base man-db "$@")
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
