-- Valid GitHub deliveries: one signed body (GitHub signs the body only), a unique
-- X-GitHub-Delivery per request so every request is a new event, not a duplicate.
local next_thread = 0

function setup(thread)
  thread:set("thread_number", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  wrk.method = "POST"
  wrk.body = os.getenv("BENCH_BODY")
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-GitHub-Event"] = "push"
  wrk.headers["X-Hub-Signature-256"] = os.getenv("BENCH_SIGNATURE")
  prefix = os.getenv("BENCH_RUN") .. "-" .. thread_number .. "-"
  counter = 0
end

function request()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = prefix .. counter
  return wrk.format()
end
