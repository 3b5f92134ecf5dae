-- One message per request, the body of a small JSON event.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"body":{"orderId":12345,"customer":"c-42","amount":19.99,"currency":"EUR"},"headers":{"type":"order.created"}}'

-- Count non-2xx responses so a broken run cannot pass as fast.
local errors = 0
response = function(status, headers, body)
  if status ~= 201 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("NON201 %d\n", summary.errors.status))
end
