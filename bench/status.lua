-- wrk script shared by every HTTP load in the benchmark (MajorOps and the nginx reference,
-- so both pay the same client-side cost of parsing each response).
--
--   wrk ... -s bench/status.lua URL -- METHOD EXPECTED_STATUS MAX_PER_THREAD [BODY|fast]
--
-- METHOD GET or POST; POST sends BODY as application/json.  Every response's status is
-- counted per thread; a thread stops after MAX_PER_THREAD responses (0 = no cap), so a
-- load is bounded in count as well as by wrk's -d.  "fast" (GET only) skips the Lua
-- response() call, whose copy of each body into Lua would otherwise dominate the client's
-- cost for large bodies; non-expected answers are then wrk's count of statuses > 399.  done() prints one machine-readable
-- line:  RESULT seconds=.. responses=.. expected=.. rate=.. other=.. errors=.. p50_ms=..
--        p99_ms=.. max_ms=.. capped=.. status_NNN=..

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local method = args[1] or "GET"
   fast = (args[4] == "fast")
   expected = tonumber(args[2] or "200") or 200
   max_per_thread = tonumber(args[3] or "0") or 0
   statuses = {}
   responses = 0
   capped = 0
   wrk.method = method
   wrk.headers["X-MajorOps-Actor"] = "bench"
   if method == "POST" then
      wrk.body = args[4] or "{}"
      wrk.headers["Content-Type"] = "application/json"
   end
   req = wrk.format()
   if fast then
      -- Large GET bodies: no per-response Lua call (wrk then skips handing over headers
      -- and body); requests are counted in request() for the cap, and any status > 399
      -- shows up in summary.errors.status.
      response = nil
      request = function()
         responses = responses + 1
         if max_per_thread > 0 and responses > max_per_thread then
            capped = 1
            wrk.thread:stop()
         end
         return req
      end
   end
end

function request()
   return req
end

function response(status, headers, body)
   local key = "s" .. status
   statuses[key] = (statuses[key] or 0) + 1
   responses = responses + 1
   if max_per_thread > 0 and responses >= max_per_thread then
      capped = 1
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local expected = 200
   if threads[1] then expected = threads[1]:get("expected") or 200 end
   local agg, total, ok, was_capped = {}, 0, 0, 0
   for _, t in ipairs(threads) do
      local s = t:get("statuses") or {}
      for k, v in pairs(s) do
         agg[k] = (agg[k] or 0) + v
         total = total + v
         if k == "s" .. expected then ok = ok + v end
      end
      if (t:get("capped") or 0) > 0 then was_capped = 1 end
   end
   if total == 0 and summary.requests > 0 then
      -- fast mode: statuses were not seen one by one
      total = summary.requests
      ok = total - summary.errors.status
      agg["s" .. expected] = ok
      if summary.errors.status > 0 then agg["s4xx/5xx"] = summary.errors.status end
   end
   local e = summary.errors
   local errors = e.connect + e.read + e.write + e.timeout
   local secs = summary.duration / 1e6
   local line = string.format(
      "RESULT seconds=%.2f responses=%d expected=%d rate=%.1f other=%d errors=%d " ..
      "timeouts=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f capped=%d",
      secs, total, ok, ok / secs, total - ok, errors, e.timeout,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, latency.mean / 1000, was_capped)
   for k, v in pairs(agg) do
      line = line .. string.format(" status_%s=%d", string.sub(k, 2), v)
   end
   io.write(line .. "\n")
end
