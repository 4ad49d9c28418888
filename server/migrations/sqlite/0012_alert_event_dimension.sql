-- The dimension value a scoped alert rule watched ("user alice"), on each of its events; NULL
-- for a rule on all calls.
ALTER TABLE alert_events ADD COLUMN dimension TEXT;
ALTER TABLE alert_events ADD COLUMN dimension_value TEXT;
