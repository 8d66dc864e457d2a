#!/usr/bin/env bash
# A throw-away SeaweedFS for `make demo-s3` and `make bench` (docs/s3.md): master, volume, filer and S3 gateway in
# one `weed server` process on 127.0.0.1, everything it writes in RUNDIR, one identity with a random secret.
#
#   scripts/seaweedfs.sh start RUNDIR BUCKET   starts it, creates BUCKET, waits until an object PUT succeeds, and
#                                              writes RUNDIR/env: S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID,
#                                              S3_SECRET_ACCESS_KEY (for `. RUNDIR/env`); prints the endpoint.
#   scripts/seaweedfs.sh stop RUNDIR           SIGKILLs it (weed takes ~27 s to stop on SIGTERM) and removes the
#                                              gRPC unix sockets weed leaves in /tmp whatever it is told.
#
# Ports: four in 20000-22760 (master, volume, filer, S3), each with its gRPC twin at +10000, all below the
# ephemeral range, where an outgoing connection could hold one. weed is found as $EVENTSPOOL_WEED, on PATH, or in
# ~/.local/bin (scripts/ensure-s3-servers.sh installs it). Requests are signed by curl (--aws-sigv4).
set -euo pipefail

command="${1:?usage: seaweedfs.sh start RUNDIR BUCKET | stop RUNDIR}"
run="${2:?usage: seaweedfs.sh start RUNDIR BUCKET | stop RUNDIR}"

stop() {
    [ -f "$run/weed.pid" ] || return 0
    read -r pid base <"$run/weed.pid"
    if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = weed ]; then
        kill -KILL "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
    for index in 0 1 2 3; do
        service=(master volume filer s3)
        rm -f "/tmp/seaweedfs-${service[$index]}-grpc-$((base + index + 10000)).sock"
    done
    rm -f "$run/weed.pid"
}

if [ "$command" = stop ]; then
    stop
    exit 0
fi
[ "$command" = start ] || { echo "usage: seaweedfs.sh start RUNDIR BUCKET | stop RUNDIR" >&2; exit 64; }
bucket="${3:?usage: seaweedfs.sh start RUNDIR BUCKET}"

weed="${EVENTSPOOL_WEED:-$(command -v weed || echo "$HOME/.local/bin/weed")}"
[ -x "$weed" ] || { echo "seaweedfs.sh: weed is not installed; run scripts/ensure-s3-servers.sh" >&2; exit 69; }
mkdir -p "$run/data" "$run/log"
run="$(cd "$run" && pwd)"

access_key="EVENTSPOOL$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
secret="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
cat >"$run/s3-config.json" <<JSON
{"identities":[{"name":"eventspool","credentials":[{"accessKey":"$access_key","secretKey":"$secret"}],
  "actions":["Admin","Read","List","Tagging","Write"]}]}
JSON
chmod 0600 "$run/s3-config.json"

busy() { ss -ltnH "sport = :$1" | grep -q .; }
s3() {
    curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}

for attempt in 1 2 3 4 5; do
    base=$((20000 + 4 * (RANDOM % 691)))
    free=yes
    for port in $base $((base + 1)) $((base + 2)) $((base + 3)); do
        if busy "$port" || busy $((port + 10000)); then free=no; fi
    done
    [ "$free" = yes ] || continue
    "$weed" -logdir="$run/log" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$run/data" \
        -master.port="$base" -volume.port=$((base + 1)) -filer.port=$((base + 2)) \
        -s3 -s3.port=$((base + 3)) -s3.config="$run/s3-config.json" -s3.port.iceberg=0 -s3.port.lance=0 \
        -filer.localSocket="$run/filer.sock" -s3.localSocket="$run/s3.sock" \
        -master.volumeSizeLimitMB=64 -volume.max=0 -master.resumeState=false -s3.autoCreateBucket=false \
        >"$run/weed.out" 2>&1 </dev/null &
    pid=$!
    echo "$pid $base" >"$run/weed.pid"
    endpoint="http://127.0.0.1:$((base + 3))"
    # Polled with real requests (no fixed sleep): the gateway answers after ~3 s, takes writes a little later.
    for _ in $(seq 1 1200); do
        kill -0 "$pid" 2>/dev/null || break
        s3 -o /dev/null --max-time 5 -X PUT "$endpoint/$bucket" 2>/dev/null || true
        code=$(s3 -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/octet-stream' \
            -X PUT --data-binary ok "$endpoint/$bucket/ready" 2>/dev/null || true)
        if [ "$code" = 200 ]; then
            s3 -o /dev/null --max-time 5 -X DELETE "$endpoint/$bucket/ready" || true
            umask 077
            cat >"$run/env" <<ENV
S3_ENDPOINT=$endpoint
S3_BUCKET=$bucket
S3_ACCESS_KEY_ID=$access_key
S3_SECRET_ACCESS_KEY=$secret
ENV
            echo "$endpoint"
            exit 0
        fi
        sleep 0.05
    done
    stop
    grep -q "address already in use" "$run/weed.out" || break
done
echo "seaweedfs.sh: weed did not start; its last words:" >&2
tail -c 1500 "$run/weed.out" >&2 || true
exit 69
