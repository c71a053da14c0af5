-- The W3C trace context (`traceparent`) of the request that created the deployment, so its
-- hand-off to the scheduler (at once, or retried by a tick after a restart) continues the
-- same trace. NULL when the control plane exports no traces.
ALTER TABLE deployments ADD COLUMN traceparent TEXT;
