-- The campaign engine's bookkeeping. (0002 and 0003 are taken by the import and webhook work.)

-- Every dial gets a key committed before the provider is called, so a crash between the two is reconciled
-- with the provider instead of dialing the person again.
ALTER TABLE calls ADD COLUMN dial_key TEXT;
ALTER TABLE calls ADD COLUMN error TEXT;
CREATE UNIQUE INDEX calls_dial_key ON calls(dial_key) WHERE dial_key IS NOT NULL;
CREATE INDEX calls_in_flight ON calls(campaign_id, status)
    WHERE status IN ('queued', 'dialing', 'ringing', 'in_progress');

-- Why a contact is not being dialed right now (outside_window, retry_delay, callback, dnc, max_attempts, …).
ALTER TABLE campaign_contacts ADD COLUMN wait_reason TEXT;
ALTER TABLE campaign_contacts ADD COLUMN last_call_id INTEGER REFERENCES calls(id) ON DELETE SET NULL;

-- Engine settings per campaign.
ALTER TABLE campaigns ADD COLUMN max_call_seconds INTEGER NOT NULL DEFAULT 900;
ALTER TABLE campaigns ADD COLUMN breaker TEXT NOT NULL DEFAULT '{}';
