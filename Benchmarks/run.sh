#!/usr/bin/env bash
# `make bench`: installs what the benchmark needs when it is missing (nginx-light, wrk, SeaweedFS), starts nginx
# as the sink on a free loopback port and SeaweedFS for the S3 rows (scripts/seaweedfs.sh), builds
# eventspool-bench and spoolctl in release mode, runs every row, stops both and prints one table. Arguments go
# to `eventspool-bench run` (e.g. --quick, --rows serial).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:/usr/sbin:$PATH"

missing=()
command -v nginx >/dev/null || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
scripts/ensure-deps.sh "${missing[@]}"

run="$PWD/Benchmarks/.run"
rm -rf "$run"
mkdir -p "$run"

# A free port: nginx refuses to start on one that is taken, so try a few at random.
started=""
for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    sed -e "s|@PORT@|$port|g" -e "s|@RUN@|$run|g" Benchmarks/nginx.conf >"$run/nginx.conf"
    if nginx -e "$run/error.log" -c "$run/nginx.conf" 2>>"$run/start.log"; then
        started=$port
        break
    fi
done
if [ -z "$started" ]; then
    echo "could not start nginx; see $run/start.log" >&2
    exit 1
fi
trap 'kill "$(cat "$run/nginx.pid")" 2>/dev/null || true; scripts/seaweedfs.sh stop "$run/seaweedfs"' EXIT
echo "sink: nginx on 127.0.0.1:$port ($run/nginx.conf)" >&2

# The S3 rows' store: a SeaweedFS of its own, SIGKILLed at the end. Without it those rows say why they did not run.
s3=()
if scripts/ensure-s3-servers.sh >&2 && endpoint="$(scripts/seaweedfs.sh start "$run/seaweedfs" eventspool-bench)"; then
    # shellcheck disable=SC1091
    . "$run/seaweedfs/env"
    export S3_ACCESS_KEY_ID S3_SECRET_ACCESS_KEY
    s3=(--s3-endpoint "$endpoint" --s3-bucket "$S3_BUCKET")
    echo "S3 store: SeaweedFS at $endpoint ($run/seaweedfs)" >&2
else
    echo "SeaweedFS did not start: the S3 rows will not run" >&2
fi

swift build -c release --product eventspool-bench >&2
if ! swift build -c release --product spoolctl >&2; then
    echo "spoolctl did not build: the spoolctl list row will not run" >&2
fi
bin="$(swift build -c release --show-bin-path)"

"$bin/eventspool-bench" run --url "http://127.0.0.1:$port/events" --wrk-script Benchmarks/post.lua "${s3[@]}" "$@"
