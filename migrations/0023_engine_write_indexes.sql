-- Fewer index pages written per engine step. Every index on `calls` and `campaign_contacts` is rewritten by
-- the engine's claims and endings, and each page it dirties is written to the WAL at the step's commit (that
-- write was a third of the engine's CPU). Indexes no query uses, and pairs a single index serves, go.
-- Append-only: never edit this file once it has landed. IF [NOT] EXISTS because other work may drop or add
-- indexes on the same tables.

-- `calls_campaign(campaign_id, status)` and `calls_endings(campaign_id, ended_at) WHERE ended_at IS NOT NULL`
-- become one index. Its prefix serves the lookups by campaign (stats by outcome, history and board filtered by
-- campaign, the foreign key when a campaign is deleted), its second column the breaker's recent endings
-- (`campaign_id = ? AND ended_at >= ? ORDER BY ended_at DESC`: calls in flight have a NULL `ended_at`,
-- which sorts first and is outside that range), and `status` keeps counting a campaign's finished calls
-- (the history's total) on the index alone. A call's entry moves once, when it ends (the status changes
-- before that stay among the campaign's few calls in flight).
DROP INDEX IF EXISTS calls_campaign;
DROP INDEX IF EXISTS calls_endings;
CREATE INDEX IF NOT EXISTS calls_campaign_ended ON calls(campaign_id, ended_at, status);

-- No query filters or orders on these (EXPLAIN QUERY PLAN of the board, the history, the stale-call check:
-- each scans `calls` by rowid, whether or not they exist); each was rewritten on every change of a call.
DROP INDEX IF EXISTS calls_ended;
DROP INDEX IF EXISTS calls_recent;

-- `campaign_contacts_due(campaign_id, state, next_attempt_at)` was rewritten on every claim and every ending
-- (its state changes), at a scattered place for contacts that are done. The queue (`campaign_contacts_queue`)
-- already serves due contacts and their earliest due time; what else used it was whether anyone of a campaign
-- is being dialed, which this small index (only contacts being dialed) answers.
DROP INDEX IF EXISTS campaign_contacts_due;
CREATE INDEX IF NOT EXISTS campaign_contacts_dialing ON campaign_contacts(campaign_id) WHERE state = 'dialing';
