#!/usr/bin/python3
"""prom_check.py DIR METRICS: conf-examples/prometheus/ checked without
promtool (Debian's prometheus package is large): both files parse as
YAML (python3-yaml), the scrape job and the rules have the fields
Prometheus requires, and every hookline_* metric an alert uses is one
that METRICS (a scrape of /-/metrics) declares. Prints what is wrong;
exits 1 then."""
import re
import sys

import yaml

errors = []
d = sys.argv[1]
prom = yaml.safe_load(open(d + "/prometheus.yml", encoding="utf-8"))
rules = yaml.safe_load(open(d + "/hookline-rules.yml", encoding="utf-8"))
declared = set(re.findall(r"^# TYPE (\S+) ",
                          open(sys.argv[2], encoding="utf-8").read(), re.M))

if "hookline-rules.yml" not in prom.get("rule_files", []):
    errors.append("prometheus.yml does not load hookline-rules.yml")
jobs = [j for j in prom.get("scrape_configs", [])
        if j.get("job_name") == "hookline"]
if len(jobs) != 1:
    errors.append("no scrape job called hookline")
else:
    job = jobs[0]
    if not job.get("metrics_path", "").endswith("/-/metrics"):
        errors.append("the job's metrics_path is not <script URL>/-/metrics")
    auth = job.get("authorization", {})
    if auth.get("type") != "Bearer" or "credentials_file" not in auth:
        errors.append("the job sends no bearer token from a file")
    if not job.get("static_configs", [{}])[0].get("targets"):
        errors.append("the job has no target")

names = set()
for g in rules.get("groups", []):
    if not g.get("name"):
        errors.append("a rule group without a name")
    for r in g.get("rules", []):
        a = r.get("alert")
        if not a or not isinstance(r.get("expr"), str):
            errors.append("a rule without alert or expr: %r" % r)
            continue
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", a):
            errors.append("%s: not a valid alert name" % a)
        if "severity" not in r.get("labels", {}):
            errors.append("%s: no severity label" % a)
        if "summary" not in r.get("annotations", {}):
            errors.append("%s: no summary" % a)
        if r.get("for") is not None and not re.fullmatch(
                r"([0-9]+[smhdwy])+", str(r["for"])):
            errors.append("%s: for is no duration" % a)
        if r["expr"].count("(") != r["expr"].count(")"):
            errors.append("%s: unbalanced parentheses" % a)
        for m in re.findall(r"\bhookline_[a-z_]+", r["expr"]):
            names.add(m)
            if m not in declared:
                errors.append("%s uses %s, which /-/metrics does not have"
                              % (a, m))
        names.add(a)
for want in ("hookline_spool_deliveries",
             "hookline_spool_oldest_due_age_seconds",
             "hookline_signature_failures_total", "hookline_hook_runs_total"):
    if want not in names:
        errors.append("no alert on %s" % want)
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
