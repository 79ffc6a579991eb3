-- wrk script for bench/registration.py: every POST registers a new delegate
-- (a unique name and email per thread and request); prints one JSON line at the end.
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  method = args[1] or "GET"
  run = args[2] or "r"
  n = 0
end

function request()
  if method ~= "POST" then
    return wrk.format("GET", "/healthz")
  end
  n = n + 1
  local body = string.format(
    '{"delegates":[{"given_name":"Bench","family_name":"Delegate %s %d %d",' ..
    '"affiliation":"Bench University","country":"%s","email":"bench-%s-%d-%d@example.org",' ..
    '"category":"member"}],"payment_method":"card"}',
    run, tid, n, ({"JP", "KE", "BR", "DE"})[n % 4 + 1], run, tid, n)
  return wrk.format("POST", "/api/registrations", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
