#!/usr/bin/env python3
# hook.py: the bench's Python hook, one file three ways: one-shot
# (hooks.d/bench_py/push: the body on stdin, the facts in the
# environment), resident (hooks.d/res_py/push.resident: hookline sets
# HOOKLINE_RESIDENT=1 and writes delivery after delivery on stdin, as
# README.md's "Resident hooks" says), and imported by flask_app.py, whose
# route calls work() in-process under gunicorn. The imports are what a
# real hook loads before its first line of work (an HTTP client, mail,
# JSON, digests): their cost is what one-shot pays per delivery.
import hashlib
import json
import os
import sys
import email.utils  # noqa: F401 (the realistic import, not used here)
import urllib.request  # noqa: F401


def work(event, body):
    """One delivery's work: parse, digest, check. Returns the exit status."""
    payload = json.loads(body)
    digest = hashlib.sha256(body).hexdigest()
    return 0 if payload.get("event") == event and len(digest) == 64 else 1


def resident():
    inp = sys.stdin.buffer
    while True:
        facts = {}
        for line in iter(inp.readline, b"\n"):
            if not line:
                sys.exit(0)
            k, _, v = line.decode("utf-8", "replace").rstrip("\n").partition("=")
            facts[k] = v
        body = inp.read(int(facts["HOOKLINE_BODY_LENGTH"]))
        status = work(facts.get("HOOKLINE_EVENT"), body)
        sys.stdout.flush()
        os.write(3, b"%d\n" % status)


if __name__ == "__main__":
    if os.environ.get("HOOKLINE_RESIDENT") == "1":
        resident()
    else:
        sys.exit(work(os.environ.get("HOOKLINE_EVENT"), sys.stdin.buffer.read()))
