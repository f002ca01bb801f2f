-- bench/soak.lua: the request mix of the soak (bench/soak.py runs wrk -s bench/soak.lua).
--
-- Every thread walks the same fixed, interleaved schedule of routes (built from the weights
-- below), so the mix is fixed whatever the server's speed. request() counts what it sends per
-- route. wrk's response() callback does not say which request (or connection) an answer
-- belongs to, so it sorts every answer by its status and the start of its body into the class
-- the route that expects it would produce; an answer that fits no route's expectation is
-- counted as "unexpected <status>". soak.py also counts statuses per route from Apache's access
-- log, where method and path name the route exactly. done() prints one line,
-- "SOAK_JSON {...}", with the counts summed over the threads.
--
-- Environment (set by soak.py; the token is passed here rather than on wrk's command line,
-- which ps shows):
--   SOAK_PROJECT, SOAK_STACK_ID   the bench project and bench-stack's id
--   SOAK_TOKEN                    a valid token for the project
--   SOAK_INVALID                  one fixed invalid token (mod_heat's negative cache keeps it)
--   SOAK_CFN_FILE                 signed CFN request paths, one a line; soak.py signs afresh
--                                 every few minutes and renames a new file in, re-read here
--   SOAK_ROUTES                   optional: only these routes (space-separated), to find which
--                                 one grows memory

local project = os.getenv("SOAK_PROJECT")
local stack_id = os.getenv("SOAK_STACK_ID")
local token = os.getenv("SOAK_TOKEN")
local invalid = os.getenv("SOAK_INVALID")
local cfn_file = os.getenv("SOAK_CFN_FILE")
local only = os.getenv("SOAK_ROUTES") or ""

local stack = "/v1/" .. project .. "/stacks/bench-stack/" .. stack_id
local validate_body = '{"template": {"heat_template_version": "2018-08-31", ' ..
   '"resources": {"n": {"type": "OS::Heat::None"}}}}'

-- name, weight, and a function returning the request. The weights keep the Keystone-bound
-- routes (a new invalid token, a signed CFN request: one Keystone call each) rare, so that
-- Keystone (1 uwsgi process x 4 threads) does not set the pace of the whole mix.
local routes = {
   { "versions", 2, function() return wrk.format("GET", "/") end },
   { "list", 3, function()
      return wrk.format("GET", "/v1/" .. project .. "/stacks", { ["X-Auth-Token"] = token })
   end },
   { "show", 3, function() return wrk.format("GET", stack, { ["X-Auth-Token"] = token }) end },
   { "resources", 2, function()
      return wrk.format("GET", stack .. "/resources", { ["X-Auth-Token"] = token })
   end },
   { "events", 2, function()
      return wrk.format("GET", stack .. "/events", { ["X-Auth-Token"] = token })
   end },
   { "validate", 2, function()
      return wrk.format("POST", "/v1/" .. project .. "/validate",
         { ["X-Auth-Token"] = token, ["Content-Type"] = "application/json" }, validate_body)
   end },
   -- the query marks the route in the access log; the 401 comes before any routing
   { "badtoken", 2, function()
      return wrk.format("GET", "/v1/" .. project .. "/stacks?soak=badtoken",
         { ["X-Auth-Token"] = invalid })
   end },
   { "badtoken-new", 1, nil }, -- made in request(): needs the counter
   { "cfn-token", 2, function()
      return wrk.format("GET", "/v1/?Action=ListStacks",
         { ["X-Auth-User"] = "admin", ["X-Auth-Token"] = token })
   end },
   { "cfn-signed", 1, nil },   -- made in request(): the signed paths come from SOAK_CFN_FILE
}

local schedule = {}
-- globals: done() reads them out of every thread with thread:get()
sent = {}
got = {}
local counter = 0
local pos = 0
local nonce = ""
local cfn_paths = {}
local cfn_read_at = -1
local cfn_next = 0

local function selected(name)
   if only == "" then
      return true
   end
   for w in string.gmatch(only, "%S+") do
      if w == name then
         return true
      end
   end
   return false
end

-- smooth weighted round robin: the routes interleaved, each as often as its weight
local function build_schedule()
   local cur, total, active = {}, 0, {}
   for _, r in ipairs(routes) do
      if selected(r[1]) then
         active[#active + 1] = r
         cur[r[1]] = 0
         total = total + r[2]
      end
   end
   for _ = 1, total do
      local best
      for _, r in ipairs(active) do
         cur[r[1]] = cur[r[1]] + r[2]
         if not best or cur[r[1]] > cur[best[1]] then
            best = r
         end
      end
      cur[best[1]] = cur[best[1]] - total
      schedule[#schedule + 1] = best
   end
end

local function read_cfn()
   local f = io.open(cfn_file, "r")
   if not f then
      return
   end
   local t = {}
   for line in f:lines() do
      if #line > 0 then
         t[#t + 1] = line
      end
   end
   f:close()
   if #t > 0 then
      cfn_paths = t
   end
end

local setup_n = 0
local threads = {}
function setup(thread)
   setup_n = setup_n + 1
   thread:set("tid", setup_n)
   threads[#threads + 1] = thread
end

function init(args)
   build_schedule()
   pos = (tid or 1) - 1 -- the threads start at different places of the schedule
   nonce = string.format("%010d%03d", os.time(), tid or 0)
   read_cfn()
   cfn_read_at = os.time()
end

local filler = string.rep("x", 400)

request = function()
   pos = pos % #schedule + 1
   local r = schedule[pos]
   local name = r[1]
   sent[name] = (sent[name] or 0) + 1
   if name == "badtoken-new" then
      -- a never seen invalid token, as long as the real one: one Keystone call each
      counter = counter + 1
      local head = "gAAAAAB" .. nonce .. string.format("%012d", counter)
      local tok = head .. string.sub(filler, 1, math.max(0, #token - #head))
      return wrk.format("GET", "/v1/" .. project .. "/stacks?soak=badtoken-new",
         { ["X-Auth-Token"] = tok })
   elseif name == "cfn-signed" then
      if os.time() - cfn_read_at >= 30 then
         read_cfn()
         cfn_read_at = os.time()
      end
      cfn_next = cfn_next % #cfn_paths + 1
      return wrk.format("GET", cfn_paths[cfn_next])
   end
   return r[3]()
end

-- the class of an answer: which route's expected answer it is
local function classify(status, body)
   local head = string.sub(body, 1, 40)
   if status == 300 and string.find(body, '"versions"', 1, true) then
      return "versions"
   elseif status == 200 then
      if string.find(head, '^{"stacks":') then
         return "list"
      elseif string.find(head, '^{"stack":') then
         return "show"
      elseif string.find(head, '^{"resources":') then
         return "resources"
      elseif string.find(head, '^{"events":') then
         return "events"
      elseif string.find(body, '"Parameters"', 1, true) and string.find(body, '"Description"', 1, true) then
         return "validate"
      elseif string.find(body, "<ListStacksResponse", 1, true) then
         return "cfn-token"
      elseif string.find(body, "<DescribeStacksResponse", 1, true) then
         return "cfn-signed"
      end
   elseif status == 401 and string.find(head, '^{"error":') then
      return "badtoken" -- both bad-token routes answer alike
   end
   return "unexpected " .. status
end

response = function(status, headers, body)
   local c = classify(status, body)
   got[c] = (got[c] or 0) + 1
end

local function encode(t)
   local parts = {}
   for k, v in pairs(t) do
      parts[#parts + 1] = string.format('"%s": %d', k, v)
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
   -- the per-thread tables, summed (thread:get copies them out of each thread's Lua state)
   local s, g = {}, {}
   for _, t in ipairs(threads) do
      for k, v in pairs(t:get("sent") or {}) do
         s[k] = (s[k] or 0) + v
      end
      for k, v in pairs(t:get("got") or {}) do
         g[k] = (g[k] or 0) + v
      end
   end
   local e = summary.errors
   io.write(string.format(
      'SOAK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d, "p50": %d, "p99": %d, "max": %d, "sent": %s, "got": %s}\n',
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max, encode(s), encode(g)))
end
