#!/usr/bin/env bash
# Installs the given PyPI requirements with $EVENTSPOOL_PYTHON (else python3): for the user (--user) where no
# virtual environment is active; Debian's system Python also wants --break-system-packages for that (PEP 668),
# which only touches the user's site-packages. Used by ensure-python-deps.sh and ensure-s3-servers.sh.
set -euo pipefail

python="${EVENTSPOOL_PYTHON:-python3}"
flags=()
if [ -z "${VIRTUAL_ENV:-}" ]; then
    flags+=(--user)
    if "$python" -m pip install --help 2>/dev/null | grep -q -- --break-system-packages; then
        flags+=(--break-system-packages)
    fi
fi
"$python" -m pip install --quiet --disable-pip-version-check "${flags[@]}" "$@" >&2
