-- The campaign engine's bookkeeping. (0002 and 0003 are taken by the import and webhook work.)

-- Every dial gets a key committed before the provider is called, so a crash between the two is reconciled
-- with the provider instead of dialing the person again.
ALTER TABLE calls ADD COLUMN dial_key TEXT;
ALTER TABLE calls ADD COLUMN error TEXT;
CREATE UNIQUE INDEX calls_dial_key ON calls(dial_key) WHERE dial_key IS NOT NULL;
CREATE INDEX calls_in_flight ON calls(campaign_id, status)
    WHERE status IN ('queued', 'dialing', 'ringing', 'in_progress');

-- The dialing queue: a contact in a campaign is due at `next_attempt_at` (set at insert to when it joined, then
-- to the retry time or the next opening of its window), so the next batch is one index range scan.
UPDATE campaign_contacts SET next_attempt_at = created_at WHERE next_attempt_at IS NULL;
CREATE TRIGGER campaign_contacts_due_at AFTER INSERT ON campaign_contacts
    WHEN NEW.next_attempt_at IS NULL AND NEW.state IN ('pending', 'retry_wait')
BEGIN
    UPDATE campaign_contacts SET next_attempt_at = NEW.created_at
    WHERE campaign_id = NEW.campaign_id AND contact_id = NEW.contact_id;
END;
CREATE INDEX campaign_contacts_queue ON campaign_contacts(campaign_id, next_attempt_at, contact_id)
    WHERE state IN ('pending', 'retry_wait');
CREATE INDEX campaign_contacts_callbacks ON campaign_contacts(campaign_id, callback_at)
    WHERE callback_at IS NOT NULL AND state IN ('pending', 'retry_wait');
CREATE INDEX calls_endings ON calls(campaign_id, ended_at) WHERE ended_at IS NOT NULL;

-- Why a contact is not being dialed right now (outside_window, retry_delay, callback, dnc, max_attempts, …).
ALTER TABLE campaign_contacts ADD COLUMN wait_reason TEXT;
ALTER TABLE campaign_contacts ADD COLUMN last_call_id INTEGER REFERENCES calls(id) ON DELETE SET NULL;

-- Engine settings per campaign.
ALTER TABLE campaigns ADD COLUMN max_call_seconds INTEGER NOT NULL DEFAULT 900;
ALTER TABLE campaigns ADD COLUMN breaker TEXT NOT NULL DEFAULT '{}';

-- Per-campaign counters kept by triggers, so listing campaigns (and the engine's progress events) never
-- counts a million rows.
ALTER TABLE campaigns ADD COLUMN contacts_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN contacts_done INTEGER NOT NULL DEFAULT 0;
UPDATE campaigns SET
    contacts_total = (SELECT COUNT(*) FROM campaign_contacts cc WHERE cc.campaign_id = campaigns.id),
    contacts_done = (SELECT COUNT(*) FROM campaign_contacts cc WHERE cc.campaign_id = campaigns.id AND cc.state = 'done');
CREATE TRIGGER campaign_contacts_count_insert AFTER INSERT ON campaign_contacts
BEGIN
    UPDATE campaigns SET contacts_total = contacts_total + 1, contacts_done = contacts_done + (NEW.state = 'done')
    WHERE id = NEW.campaign_id;
END;
CREATE TRIGGER campaign_contacts_count_delete AFTER DELETE ON campaign_contacts
BEGIN
    UPDATE campaigns SET contacts_total = contacts_total - 1, contacts_done = contacts_done - (OLD.state = 'done')
    WHERE id = OLD.campaign_id;
END;
CREATE TRIGGER campaign_contacts_count_state AFTER UPDATE OF state ON campaign_contacts
    WHEN (OLD.state = 'done') != (NEW.state = 'done')
BEGIN
    UPDATE campaigns SET contacts_done = contacts_done + (NEW.state = 'done') - (OLD.state = 'done')
    WHERE id = NEW.campaign_id;
END;
