-- bench/wrk.lua: loaded by bench/bench.py into every wrk run (wrk -s bench/wrk.lua).
--
-- done() prints one machine-readable line, "BENCH_JSON {...}", after wrk's own text report:
-- the same numbers wrk prints (requests, duration, errors, latency percentiles from its
-- histogram), in microseconds, so nothing has to parse wrk's human units.
--
-- With BENCH_RANDOM_TOKEN set (case e), every request carries a different, never seen before,
-- invalid fernet-looking X-Auth-Token of BENCH_RANDOM_TOKEN characters: no negative cache can
-- help, so each request costs one Keystone validation. Without it the script defines no
-- request() and wrk keeps sending its one pre-built request (no per-request Lua at all).

local token_len = tonumber(os.getenv("BENCH_RANDOM_TOKEN") or "")

-- With BENCH_BODY_FILE set (bench/matrix.py's validate cases), every request is a POST of
-- that file's bytes as application/json, built once like the GETs.
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
   local f = assert(io.open(body_file, "rb"))
   wrk.method = "POST"
   wrk.body = f:read("*a")
   f:close()
   wrk.headers["Content-Type"] = "application/json"
end

if token_len then
   local counter = 0
   local nonce = ""

   local setup_n = 0
   function setup(thread)
      setup_n = setup_n + 1
      thread:set("tid", setup_n)
   end

   function init(args)
      -- tid is set by setup() before init() runs in the thread
      nonce = string.format("%010d%03d", os.time(), tid or 0)
   end

   local filler = string.rep("x", 400)
   request = function()
      counter = counter + 1
      local head = "gAAAAAB" .. nonce .. string.format("%012d", counter)
      local tok = head .. string.sub(filler, 1, math.max(0, token_len - #head))
      return wrk.format(nil, nil, { ["X-Auth-Token"] = tok })
   end
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
      '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p90": %d, "p99": %d, ' ..
      '"max": %d, "mean": %.1f}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
      e.status, e.timeout, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean))
end
