-- wrk.lua: the bench's requests: POST of the body in $BENCH_BODY_FILE as
-- application/json, plus the headers in $BENCH_HEADERS ("Name: value"
-- lines, e.g. X-GitHub-Event and X-Hub-Signature-256, computed once by
-- run.sh with openssl over that same body).
--
-- With $BENCH_ID_HEADER set (e.g. X-GitHub-Delivery), every request gets
-- its own delivery id in that header, "$BENCH_ID_PREFIX-THREAD-N": a
-- receiver that remembers delivery ids would otherwise answer all but the
-- first "duplicate". Without it the request is built once and sent as is
-- (wrk's fast path), which is what the duplicate case wants.

local function env(name)
	local v = os.getenv(name)
	if v == nil or v == "" then return nil end
	return v
end

local f = assert(io.open(assert(env("BENCH_BODY_FILE"), "BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = env("BENCH_CONTENT_TYPE") or "application/json"
for line in (env("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
	local k, v = line:match("^([^:]+):%s*(.-)%s*$")
	if k then wrk.headers[k] = v end
end

local id_header = env("BENCH_ID_HEADER")
if id_header then
	local nthreads = 0
	function setup(thread)
		nthreads = nthreads + 1
		thread:set("tid", nthreads)
	end

	local prefix = env("BENCH_ID_PREFIX") or "bench"
	local n = 0
	function request()
		n = n + 1
		wrk.headers[id_header] = prefix .. "-" .. tostring(tid) .. "-" .. n
		return wrk.format()
	end
end
