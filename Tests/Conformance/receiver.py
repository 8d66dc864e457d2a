#!/usr/bin/env python3
"""A webhook receiver that checks EventSpool's real requests with the official SDKs.

Every POST is parsed with the CloudEvents Python SDK (`cloudevents` on PyPI: the current
`cloudevents.core.bindings.http.from_http` and the legacy `cloudevents.v1.http.from_http`) and, when
secrets are given, its signature is verified with the Standard Webhooks library (`standardwebhooks`
on PyPI), once per secret. The receiver answers 204 when everything holds and 400 otherwise, and
prints one JSON line per request on stdout (the verdict), after a first line `{"port": N}`.

Only the standard library serves HTTP (http.server on 127.0.0.1, port 0 by default). With --tls-cert
and --tls-key it serves HTTPS; --client-ca makes it require a client certificate signed by that CA;
--max-tls caps the TLS version. With --no-verify it imports no SDK and only reports what arrived
(for the TLS tests).

Run by Tests/EventSpoolTests/WireConformanceTests.swift; `make conformance` runs those tests.
"""

import argparse
import base64
import datetime
import http.server
import json
import ssl
import sys
import threading
import traceback

MISSING_EXIT_CODE = 3


def load_sdks():
    """Imports the SDKs, or exits with a clear message naming what is missing and how to get it."""
    try:
        from cloudevents.core.bindings import http as ce_http
        from cloudevents.v1 import http as ce_legacy_http
        from standardwebhooks.webhooks import Webhook
    except ImportError as error:
        print(
            f"conformance receiver: missing Python package ({error}); "
            "install with scripts/ensure-python-deps.sh (make test does)",
            file=sys.stderr,
            flush=True,
        )
        sys.exit(MISSING_EXIT_CODE)
    return ce_http, ce_legacy_http, Webhook


def jsonable(value):
    """The event's data in a form JSON can carry and the Swift test can compare."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, str):
        return {"text": value}
    return {"json": value}


def attributes_of(event):
    attributes = {}
    for name, value in event.get_attributes().items():
        if isinstance(value, datetime.datetime):
            # Milliseconds since 1970 (an exact integer), so the test compares instants, not spellings.
            value = {"epochMilliseconds": round(value.timestamp() * 1000)}
        attributes[name] = value
    return attributes


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sdks = None
    secrets = []
    lock = threading.Lock()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # stdout carries verdicts only; stderr stays quiet

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {name: value for name, value in self.headers.items()}
        verdict = {"path": self.path, "headers": {name.lower(): value for name, value in headers.items()}}
        problems = []
        if self.sdks is not None:
            problems = self.check(headers, body, verdict)
        verdict["ok"] = not problems
        verdict["problems"] = problems
        with Receiver.lock:
            print(json.dumps(verdict), flush=True)
        status = 204 if not problems else 400
        reason = "; ".join(problems).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Length", str(0 if status == 204 else len(reason)))
        self.end_headers()
        if status != 204:
            self.wfile.write(reason)

    def check(self, headers, body, verdict):
        ce_http, ce_legacy_http, Webhook = self.sdks
        problems = []
        content_type = headers.get("Content-Type", "")
        verdict["mode"] = "structured" if content_type.startswith("application/cloudevents+json") else "binary"
        try:
            event = ce_http.from_http_event(ce_http.HTTPMessage(headers=headers, body=body))
            verdict["attributes"] = attributes_of(event)
            verdict["data"] = jsonable(event.get_data())
        except Exception as error:  # the SDK's own exceptions vary by version
            problems.append(f"cloudevents from_http_event: {type(error).__name__}: {error}")
        try:
            legacy = ce_legacy_http.from_http(headers, body)
            verdict["legacy"] = {
                name: (value.isoformat() if isinstance(value, datetime.datetime) else value)
                for name, value in legacy.get_attributes().items()
            }
        except Exception as error:
            problems.append(f"cloudevents.v1 from_http: {type(error).__name__}: {error}")

        signatures = {}
        for index, secret in enumerate(self.secrets):
            try:
                Webhook(secret).verify(body, headers, json_parse=False)
                signatures[str(index)] = "verified"
            except Exception as error:
                signatures[str(index)] = f"{type(error).__name__}: {error}"
                problems.append(f"standardwebhooks secret {index}: {type(error).__name__}: {error}")
        verdict["signatures"] = signatures
        return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", action="append", default=[], help="a whsec_ secret to verify with")
    parser.add_argument("--no-verify", action="store_true", help="report requests without the SDKs")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca")
    parser.add_argument("--max-tls", choices=["1.2", "1.3"])
    arguments = parser.parse_args()

    if not arguments.no_verify:
        Receiver.sdks = load_sdks()
    Receiver.secrets = arguments.secret

    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), Receiver)
    server.daemon_threads = True
    if arguments.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
        if arguments.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(arguments.client_ca)
        if arguments.max_tls == "1.2":
            context.maximum_version = ssl.TLSVersion.TLSv1_2
        elif arguments.max_tls == "1.3":
            context.maximum_version = ssl.TLSVersion.TLSv1_3
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    # The test closes our stdin to stop us: no signal handling, no stray process.
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        sys.stdin.read()
    except Exception:
        traceback.print_exc()
    server.shutdown()


if __name__ == "__main__":
    main()
