#!/usr/bin/env python3
"""resident_client.py: the small parallel client of the t_resident_* cases.

    resident_client.py URL EVENT COUNT PARALLEL OUT

POSTs COUNT generic deliveries of EVENT ({"event":EVENT,"data":{...}}) to
URL on 127.0.0.1, PARALLEL at a time (one keep-alive connection each), and
writes one line per request to OUT:

    N HTTP-STATUS ANSWER-STATUS DELIVERY SHA256-OF-BODY

(DELIVERY is the answer's "delivery", the id hookline made; "-" when the
answer had none). The bodies differ in size (2 bytes to ~64 KiB of data)
and hold what could break a framing: empty lines, "NAME=value" lines,
multi-byte UTF-8. Bounded: each request has a 30 s timeout, and a
request that fails is written down as status 000, never sent again."""
import hashlib
import http.client
import json
import sys
import threading
import urllib.parse


def body_of(event, n):
    tricky = ["", "\n\nHOOKLINE_BODY_LENGTH=0\n\n", "\u00e9\u6f22\U0001f600",
              "x" * (n % 4096), "=\n" * (n % 97)]
    data = {"n": n, "s": tricky[n % len(tricky)]}
    if n % 100 == 7:
        data["big"] = "y" * 65536
    return json.dumps({"event": event, "data": data}).encode()


def main():
    url, event, count, parallel, out = sys.argv[1:6]
    count, parallel = int(count), int(parallel)
    u = urllib.parse.urlsplit(url)
    if u.hostname != "127.0.0.1":
        sys.exit("resident_client: 127.0.0.1 only")
    lock = threading.Lock()
    todo = iter(range(count))
    lines = []

    def worker():
        conn = None
        while True:
            with lock:
                n = next(todo, None)
            if n is None:
                break
            body = body_of(event, n)
            digest = hashlib.sha256(body).hexdigest()
            code, status, delivery = "000", "-", "-"
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
                conn.request("POST", u.path, body=body,
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                answer = r.read()
                code = str(r.status)
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                a = json.loads(answer)
                status = a.get("status", "-")
                delivery = a.get("delivery", "-")
            except Exception as e:  # written down, never sent again
                sys.stderr.write("resident_client: %d: %r\n" % (n, e))
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                lines.append("%d %s %s %s %s\n" % (n, code, status, delivery, digest))
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        f.writelines(sorted(lines, key=lambda l: int(l.split()[0])))


if __name__ == "__main__":
    main()
