#!/usr/bin/env bash
# Installs the Python packages the conformance tests need, when missing, from PyPI, for the user (no venv):
# the official CloudEvents SDK and the Standard Webhooks library (Tests/Conformance/receiver.py), and the
# Prometheus client's text-format parser (Tests/Conformance/prometheus_text.py) for spoolctl's metrics.
# The Python used is $EVENTSPOOL_PYTHON, else python3 on PATH: the same one the tests start.
set -euo pipefail

python="${EVENTSPOOL_PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1 || ! "$python" -m pip --version >/dev/null 2>&1; then
    if [ -n "${EVENTSPOOL_PYTHON:-}" ]; then
        echo "ensure-python-deps: $python is missing or has no pip" >&2
        exit 1
    fi
    # No Python 3 with pip on PATH: Debian's.
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: python3 python3-pip" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3 python3-pip >&2
fi

# cloudevents 2 has the current HTTP binding API (cloudevents.core.bindings.http) besides the legacy one.
requirements=("cloudevents>=2.0" "standardwebhooks>=1.0" "prometheus_client>=0.20")
if "$python" - <<'PY' 2>/dev/null; then
import cloudevents.core.bindings.http, cloudevents.v1.http, standardwebhooks.webhooks
import prometheus_client.parser
PY
    exit 0
fi

echo "installing Python packages: ${requirements[*]}" >&2
"$(dirname "$0")/pip-install-user.sh" "${requirements[@]}"

"$python" - <<'PY'
import cloudevents.core.bindings.http, cloudevents.v1.http, standardwebhooks.webhooks
import prometheus_client.parser
PY
