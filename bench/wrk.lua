-- Requests for each benchmark scenario, the same for turnout and the ceiling.
-- wrk ... -s bench/wrk.lua URL -- SCENARIO NONCE KEY DEEP_PATH
-- thread_id is a global that setup() gives each thread, so ids never collide across threads.
local counter = 0
local scenario, nonce, key, deep_path
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  scenario, nonce, key, deep_path = args[1], args[2], args[3], args[4]
  thread_id = thread_id or 0  -- set by setup() through thread:set
  math.randomseed(os.time() + thread_id * 7919)
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
end

local function event() return "e" .. math.random(0, 99) end

request = function()
  counter = counter + 1
  local id = string.format("%s-%d-%d", nonce, thread_id, counter)
  if scenario == "new_upserts" or scenario == "upserts_small_event" or scenario == "upserts_big_event" then
    local ev = event()
    if scenario == "upserts_small_event" then ev = "small" elseif scenario == "upserts_big_event" then ev = "big" end
    local body = string.format(
      '{"registration_id":"%s","status":"accepted","metadata":{"email":"%s@example.org","name":"P"}}', id, id)
    return wrk.format("POST", "/v1/bookable_events/" .. ev .. "/registrations", nil, body)
  elseif scenario == "reupserts" then
    local n = math.random(0, 99)
    local body = string.format(
      '{"registration_id":"seed%d","status":"accepted","metadata":{"email":"seed%d@example.org","name":"P%d"}}',
      n, n, counter)
    return wrk.format("POST", "/v1/bookable_events/e" .. n .. "/registrations", nil, body)
  elseif scenario == "webkasa_create" then
    local body = string.format('{"attendee_email":"%s@example.org","attendee_name":"P"}', id)
    return wrk.format("POST", "/api/v1/events/" .. event() .. "/registrations", nil, body)
  elseif scenario == "event_read" then
    return wrk.format("GET", "/v1/bookable_events/" .. event())
  elseif scenario == "big_first_page" then
    return wrk.format("GET", "/v1/bookable_events/big")
  elseif scenario == "big_deep_page" then
    return wrk.format("GET", deep_path)
  elseif scenario == "availability" then
    local items = {}
    for i = 1, 10 do items[i] = string.format('{"bookable_event_id":"%s"}', event()) end
    return wrk.format("POST", "/v1/availability", nil, '{"bookable_events":[' .. table.concat(items, ",") .. ']}')
  end
  error("unknown scenario " .. tostring(scenario))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
