# flask_app.py: the seed's Flask way, the peer hookline replaces: a route
# that reads request.json, checks event and data, runs the hook with
# subprocess (body on stdin, as hookline does) and returns
# {'status': 'success'}. run.sh serves it with gunicorn (sync workers):
#     BENCH_HOOK=/path/to/hook gunicorn -w 2 -b 127.0.0.1:PORT \
#         --chdir bench flask_app:app
# With BENCH_HOOK=inproc the route runs the Python hook's work (hook.py's
# work(), its imports loaded once per worker) in-process instead: the
# peer of a resident Python hook.
import os
import subprocess

from flask import Flask, jsonify, request

app = Flask(__name__)
HOOK = os.environ["BENCH_HOOK"]
if HOOK == "inproc":
    from hook import work


@app.route("/hooks/<name>", methods=["POST"])
def hook(name):
    payload = request.json
    if not isinstance(payload, dict) or not isinstance(payload.get("event"), str):
        return jsonify(status="error", error="missing_field", field="event"), 400
    if "data" not in payload:
        return jsonify(status="error", error="missing_field", field="data"), 400
    if HOOK == "inproc":
        if work(payload["event"], request.get_data()) != 0:
            return jsonify(status="error", error="hook_failed"), 500
        return jsonify(status="success")
    done = subprocess.run([HOOK, payload["event"]], input=request.get_data(),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if done.returncode != 0:
        return jsonify(status="error", error="hook_failed"), 500
    return jsonify(status="success")
