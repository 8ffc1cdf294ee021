-- wrk script: POST /api/missions with a distinct body per request, so that each one creates a
-- mission (identical bodies would be deduplicated while the first is live). `thread_id` is a
-- global: `thread:set` writes the thread's globals, and a local of that name would hide it.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local body = '{"objective": {"type": "echo", "description": "bench ' .. thread_id .. '-' .. counter .. '"}}'
  return wrk.format("POST", "/api/missions", {["Content-Type"] = "application/json"}, body)
end
