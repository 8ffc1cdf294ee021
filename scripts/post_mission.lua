-- wrk script: POST /api/missions with a distinct body per request, so that each one creates a
-- mission (identical bodies would be deduplicated while the first is live). `thread_id` is a
-- global: `thread:set` writes the thread's globals, and a local of that name would hide it.
local counter = 0
local threads = {}
-- Several wrk processes at once (one per cluster node) each set BENCH_PREFIX, so that their
-- bodies differ too.
local prefix = os.getenv("BENCH_PREFIX") or ""

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local body = '{"objective": {"type": "echo", "description": "bench ' .. prefix .. thread_id .. '-' .. counter .. '"}}'
  return wrk.format("POST", "/api/missions", {["Content-Type"] = "application/json"}, body)
end
