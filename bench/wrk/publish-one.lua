-- One 256-byte JSON event per request (bench/lib/message.ts; the bench checks the length).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local event = '{"orderId":12345,"customer":"c-42","amount":19.99,"currency":"EUR","note":"' .. string.rep("x", 179) .. '"}'
wrk.body = '{"body":' .. event .. '}'

-- Report non-2xx responses (wrk counts status >= 400) so a broken run cannot pass as fast.
-- No per-response callback: it would make wrk itself the bottleneck.
done = function(summary, latency, requests)
  io.write(string.format("NON201 %d\n", summary.errors.status))
end
