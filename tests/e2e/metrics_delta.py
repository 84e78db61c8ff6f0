#!/usr/bin/python3
"""metrics_delta.py BEFORE AFTER: every sample of two scrapes of
/-/metrics (Prometheus text format, parsed by prometheus_client, the
Python client's own parser) whose value changed, one per line:
name{label="value",...} after-before, labels sorted by name."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def samples(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for fam in text_string_to_metric_families(f.read()):
            for s in fam.samples:
                labels = ",".join('%s="%s"' % (k, v)
                                  for k, v in sorted(s.labels.items()))
                out["%s{%s}" % (s.name, labels)] = s.value
    return out


before, after = samples(sys.argv[1]), samples(sys.argv[2])
for key in sorted(after):
    d = after[key] - before.get(key, 0.0)
    if d != 0:
        print("%s %g" % (key, d))
