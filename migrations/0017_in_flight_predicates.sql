-- The in-flight partial indexes again, with their predicate spelled as comparisons instead of `status IN (…)`.
-- SQLite evaluates an IN list of three or more constants by building a temporary b-tree (its own pager and a
-- freshly allocated page cache) each time a statement runs, and a partial index's predicate runs on every
-- insert and update of a call: that was most of the engine's CPU per dial. The unary `+` keeps the planner
-- from turning the comparisons back into an IN lookup (which builds the same b-tree). Queries that want these
-- indexes use the identical text, `store::attempts::IN_FLIGHT_STATUS`.
DROP INDEX IF EXISTS calls_in_flight;
DROP INDEX IF EXISTS calls_provider_in_flight;
CREATE INDEX calls_in_flight ON calls(campaign_id, status)
    WHERE (+status = 'queued' OR +status = 'dialing' OR +status = 'initiated' OR +status = 'ringing' OR +status = 'in_progress');
CREATE INDEX calls_provider_in_flight ON calls(provider, status)
    WHERE (+status = 'queued' OR +status = 'dialing' OR +status = 'initiated' OR +status = 'ringing' OR +status = 'in_progress');
