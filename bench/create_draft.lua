-- wrk script: create a participation request draft, as a member of a community body.
-- The token comes from the environment (bench/run.py sets BENCH_TOKEN).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = '{"kind": "participation_request", "authority": "GLASGOW", "title": "Bench draft"}'
