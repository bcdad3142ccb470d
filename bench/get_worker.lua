-- wrk script: GET /api/v1/workers/{random id} with the bench's key; the ids and key come from the environment.
local key = os.getenv("LB_BENCH_KEY")
local lo = tonumber(os.getenv("LB_BENCH_MIN_ID"))
local hi = tonumber(os.getenv("LB_BENCH_MAX_ID"))
local statuses = {}

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + id)
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  return wrk.format("GET", "/api/v1/workers/" .. math.random(lo, hi))
end

-- One machine-readable line for bench/reads.py (latencies in microseconds).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p90_us\": %d, \"p99_us\": %d, " ..
    "\"max_us\": %d, \"mean_us\": %.1f, \"connect_errors\": %d, \"read_errors\": %d, \"write_errors\": %d, " ..
    "\"non_2xx\": %d, \"timeouts\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
