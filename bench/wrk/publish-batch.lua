-- 100 256-byte JSON events per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local event = '{"orderId":12345,"customer":"c-42","amount":19.99,"currency":"EUR","note":"' .. string.rep("x", 179) .. '"}'
local parts = {}
for i = 1, 100 do
  parts[i] = '{"body":' .. event .. '}'
end
wrk.body = '{"messages":[' .. table.concat(parts, ",") .. ']}'
done = function(summary, latency, requests)
  io.write(string.format("NON201 %d\n", summary.errors.status))
end
