-- wrk script: GET LB_BENCH_PATH with "{id}" replaced by a random id in [LB_BENCH_MIN_ID, LB_BENCH_MAX_ID].
local key = os.getenv("LB_BENCH_KEY")
local path = os.getenv("LB_BENCH_PATH")
local lo = tonumber(os.getenv("LB_BENCH_MIN_ID"))
local hi = tonumber(os.getenv("LB_BENCH_MAX_ID"))

function setup(thread)
  thread:set("id", math.random(1, 1000000))
end

function init(args)
  math.randomseed(os.time() + id)
  wrk.headers["Authorization"] = "Bearer " .. key
end

function request()
  return wrk.format("GET", (string.gsub(path, "{id}", tostring(math.random(lo, hi)))))
end

-- One machine-readable line for bench/matches.py and bench/reads.py (latencies in microseconds).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p90_us\": %d, \"p99_us\": %d, " ..
    "\"max_us\": %d, \"non_2xx\": %d, \"errors\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
