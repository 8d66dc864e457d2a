-- wrk script for the concurrent baseline: the same POST a publish sends (512-byte body, the
-- CloudEvents binary-mode headers EventSpool sends, with fixed values).
wrk.method = "POST"
wrk.body = string.rep("x", 512)
wrk.headers["Content-Type"] = "application/json"
wrk.headers["ce-specversion"] = "1.0"
wrk.headers["ce-id"] = "01900000-0000-7000-8000-000000000000"
wrk.headers["ce-source"] = "/bench"
wrk.headers["ce-type"] = "com.example.bench"
wrk.headers["ce-time"] = "2025-01-01T00:00:00.123Z"
wrk.headers["Idempotency-Key"] = "01900000-0000-7000-8000-000000000000"
wrk.headers["webhook-id"] = "01900000-0000-7000-8000-000000000000"
