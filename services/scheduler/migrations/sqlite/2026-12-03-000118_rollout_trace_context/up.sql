-- The W3C trace context (`traceparent`) of the request that created the rollout, so every
-- later dispatch of its hosts, whichever request or tick makes it, joins the deployment's
-- trace. NULL when the control plane exports no traces.
ALTER TABLE rollouts ADD COLUMN traceparent TEXT;
