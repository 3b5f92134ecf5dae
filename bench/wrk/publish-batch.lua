-- 100 messages per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local parts = {}
for i = 1, 100 do
  parts[i] = string.format('{"body":{"orderId":%d,"customer":"c-42","amount":19.99}}', i)
end
wrk.body = '{"messages":[' .. table.concat(parts, ",") .. ']}'
done = function(summary, latency, requests)
  io.write(string.format("NON201 %d\n", summary.errors.status))
end
