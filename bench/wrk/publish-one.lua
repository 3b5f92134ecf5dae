-- One message per request, the body of a small JSON event.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"body":{"orderId":12345,"customer":"c-42","amount":19.99,"currency":"EUR"},"headers":{"type":"order.created"}}'

-- Report non-2xx responses (wrk counts status >= 400) so a broken run cannot pass as fast.
-- No per-response callback: it would make wrk itself the bottleneck.
done = function(summary, latency, requests)
  io.write(string.format("NON201 %d\n", summary.errors.status))
end
