-- soak.lua: soak.sh's requests: a rotation over the paths one hookline
-- FastCGI process serves, so that a leak on any of them shows. Each
-- thread stops itself after $SOAK_LIMIT answers and drops a file in
-- $SOAK_DONE_DIR; soak.sh sends wrk SIGINT once every thread has (wrk
-- then prints its summary at once), so the soak is bounded in count, and
-- by wrk's -d in time. done() prints how many answers of each HTTP status
-- came back.
--
-- $SOAK_BASE       /hooks (the FastCGI mount)
-- $BENCH_BODY_FILE the ~2 KB JSON body ({"event":"push","data":{...}})
-- $SOAK_SIG        sha256=... of that body with the [gh] endpoint's secret
-- $SOAK_ID_PREFIX  prefix of the unique delivery ids

local function env(name)
	local v = os.getenv(name)
	if v == nil or v == "" then return nil end
	return v
end

local base = env("SOAK_BASE") or "/hooks"
local f = assert(io.open(assert(env("BENCH_BODY_FILE")), "rb"))
local body = f:read("*a")
f:close()
local sig = assert(env("SOAK_SIG"), "SOAK_SIG")
local bad = "sha256=" .. string.rep("0", 64)
local limit = tonumber(env("SOAK_LIMIT") or "0")
local json = "application/json"

-- name, method, endpoint, content type, body, extra headers, unique id?
local kinds = {
	{ "sync",      "POST", "bench", json, body, {} },
	{ "github",    "POST", "gh", json, body,
	  { ["X-GitHub-Event"] = "push", ["X-Hub-Signature-256"] = sig }, true },
	{ "badsig",    "POST", "gh", json, body,
	  { ["X-GitHub-Event"] = "push", ["X-Hub-Signature-256"] = bad }, true },
	{ "ignored",   "POST", "gh", json, body,
	  { ["X-GitHub-Event"] = "ping", ["X-Hub-Signature-256"] = sig }, true },
	{ "empty",     "POST", "empty", json, body, {} },
	{ "duplicate", "POST", "gh", json, body,
	  { ["X-GitHub-Event"] = "push", ["X-Hub-Signature-256"] = sig,
	    ["X-GitHub-Delivery"] = "soak-duplicate" } },
	{ "badjson",   "POST", "bench", json, '{"event":"push","data":', {} },
	{ "nofield",   "POST", "bench", json, '{"data":{}}', {} },
	{ "unknown",   "POST", "nosuch", json, body, {} },
	{ "mediatype", "POST", "bench", "text/plain", body, {} },
	{ "async",     "POST", "async", json, body, {} },
	{ "method",    "GET",  "bench", nil, nil, {} },
}

-- $SOAK_KINDS: a comma-separated list of kind names to send (all when
-- unset), for profiling one path (bench/profile.sh).
local only = env("SOAK_KINDS")
if only then
	local chosen = {}
	for _, k in ipairs(kinds) do
		if string.find("," .. only .. ",", "," .. k[1] .. ",", 1, true) then
			table.insert(chosen, k)
		end
	end
	assert(#chosen > 0, "SOAK_KINDS names no kind")
	kinds = chosen
end

local threads = {}
function setup(thread)
	table.insert(threads, thread)
	thread:set("tid", #threads)
end

local n, answers, finished = 0, 0, false
counts = {}	-- a global: done() reads it with thread:get()
local done_dir = env("SOAK_DONE_DIR")
local prefix = env("SOAK_ID_PREFIX") or "soak"

function request()
	n = n + 1
	local k = kinds[(n - 1) % #kinds + 1]
	local h = {}
	for name, value in pairs(k[6]) do h[name] = value end
	if k[4] then h["Content-Type"] = k[4] end
	if k[7] then
		h["X-GitHub-Delivery"] = prefix .. "-" .. tostring(tid) .. "-" .. n
	end
	return wrk.format(k[2], base .. "/" .. k[3], h, k[5])
end

function response(status, headers, resp_body)
	-- Counted by status only: with several connections per thread the
	-- answers do not come back in the order of request(). soak.sh checks
	-- the mix (12 kinds: 5 give 200, 2 give 400, one each 202 401 404
	-- 405 415).
	answers = answers + 1
	local key = tostring(status)
	counts[key] = (counts[key] or 0) + 1
	if limit > 0 and answers >= limit and not finished then
		finished = true
		if done_dir then
			local f = io.open(done_dir .. "/thread-" .. tostring(tid), "w")
			if f then f:close() end
		end
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	local total = {}
	for _, t in ipairs(threads) do
		local c = t:get("counts") or {}
		for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
	end
	local keys = {}
	for k in pairs(total) do table.insert(keys, k) end
	table.sort(keys)
	io.write("soak answers by HTTP status:")
	for _, k in ipairs(keys) do io.write(" ", k, "=", total[k]) end
	io.write("\n")
end
