#!/usr/bin/python3
"""metrics_parse.py FORMAT FILE: parses FILE with prometheus_client's own
parser (FORMAT "prom": the text format 0.0.4; "om": OpenMetrics 1.0.0)
and prints each sample as  name{k="v",...} value  (labels sorted, values
as repr() of the parsed string), then "families N". Exits 1 when the
parser refuses the text (test_metrics.c reads this)."""
import sys

from prometheus_client.parser import text_string_to_metric_families as prom
from prometheus_client.openmetrics.parser import \
    text_string_to_metric_families as om


def main():
    parse = om if sys.argv[1] == "om" else prom
    with open(sys.argv[2], encoding="utf-8") as f:
        text = f.read()
    try:
        fams = list(parse(text))
    except Exception as e:  # the parser's refusal is the test's failure
        print("refused: %s" % e)
        return 1
    for fam in fams:
        print("family %s %s" % (fam.name, fam.type))
        for s in fam.samples:
            labels = ",".join("%s=%r" % (k, v)
                              for k, v in sorted(s.labels.items()))
            print("%s{%s} %g" % (s.name, labels, s.value))
    print("families %d" % len(fams))
    return 0


sys.exit(main())
