-- wrk script: POSTs one chat completion body with a bearer token, over and over.
-- Arguments (after "--"): token model stream(0|1) active_ms [stream_every] [prompt_bytes]
--   active_ms     new requests are sent only during the first active_ms; wrk's -d is set
--                 a little longer, so every request in flight finishes before wrk stops and
--                 wrk's count is exactly the number of requests answered (for the books check).
--                 (A request() hook costs wrk no more CPU than its static request; a delay()
--                 hook would cost about 25 % more, as every request then goes through a timer.)
--   stream_every  when > 0, every Nth request streams instead (the soak's mixed load).
--   prompt_bytes  when > 0, the user message is about this long (English-like words), for
--                 proxies whose cost grows with the prompt.
-- done() prints one JSON line (latencies in microseconds) that bench.py reads.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local function prompt(bytes)
  if bytes <= 0 then
    return "Say hello to the benchmark."
  end
  local words = { "the", "quota", "gateway", "forwards", "each", "request", "to", "provider", "and",
    "records", "its", "usage", "in", "books", "teams", "share", "one", "account", "safely", "tokens" }
  local parts, size, i = {}, 0, 0
  while size < bytes do
    i = i + 1
    local word = words[(i * 7) % #words + 1]
    parts[#parts + 1] = word
    size = size + #word + 1
  end
  return table.concat(parts, " ")
end

local function body(model, stream, prompt_bytes)
  local b = '{"model":"' .. model .. '","messages":[' ..
    '{"role":"system","content":"You are a helpful assistant."},' ..
    '{"role":"user","content":"' .. prompt(prompt_bytes) .. '"}],"max_tokens":64'
  if stream then
    b = b .. ',"stream":true,"stream_options":{"include_usage":true}'
  end
  return b .. '}'
end

local plain, streaming, stream_every, stop_at
sent = 0 -- global, so done() can read it from each thread
function init(args)
  local token, model = args[1], args[2]
  local stream = args[3] == "1"
  stop_at = now_ms() + tonumber(args[4])
  stream_every = tonumber(args[5] or "0")
  local prompt_bytes = tonumber(args[6] or "0")
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }
  plain = wrk.format("POST", nil, headers, body(model, stream, prompt_bytes))
  streaming = wrk.format("POST", nil, headers, body(model, true, prompt_bytes))
end

function request()
  if now_ms() >= stop_at then
    return "" -- past the active window: the connection goes quiet (wrk's -d ends the run)
  end
  sent = sent + 1
  if stream_every > 0 and sent % stream_every == 0 then
    return streaming
  end
  return plain
end

function done(summary, latency, requests)
  local sent_total = 0
  for _, thread in ipairs(threads) do
    sent_total = sent_total + thread:get("sent")
  end
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"sent":%d,"duration_us":%d,"bytes":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"non2xx":%d,"timeouts":%d,' ..
    '"p50":%d,"p90":%d,"p99":%d,"p999":%d,"mean":%.1f,"max":%d}\n',
    summary.requests, sent_total, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.mean, latency.max))
end
