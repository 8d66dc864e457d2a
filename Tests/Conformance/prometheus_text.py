"""Parses a Prometheus text exposition with the official client's parser and prints it as JSON.

Usage: prometheus_text.py FILE  (or - for standard input)

Prints {"families": [{"name", "type", "help", "samples": [{"name", "labels", "value"}]}]} and exits 0;
a file the parser rejects exits 1 with the parser's message on standard error.
"""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    path = sys.argv[1]
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    try:
        families = [
            {
                "name": family.name,
                "type": family.type,
                "help": family.documentation,
                "samples": [
                    {
                        "name": sample.name,
                        "labels": sample.labels,
                        "value": sample.value if math.isfinite(sample.value) else str(sample.value),
                    }
                    for sample in family.samples
                ],
            }
            for family in text_string_to_metric_families(text)
        ]
    except Exception as error:  # the parser raises ValueError and others on bad input
        print(f"prometheus_client cannot parse {path}: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"families": families}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
