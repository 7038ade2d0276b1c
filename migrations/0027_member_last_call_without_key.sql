-- `campaign_contacts.last_call_id` loses its foreign key to `calls`, and with it `campaign_contacts_last_call`,
-- the index that only served the key's `ON DELETE SET NULL`. The key made the claim's UPDATE (every dial)
-- one that may abort halfway, for which SQLite keeps a statement journal (a copy of every page it touches),
-- and each claim moved an entry of that index; without them the simulated engine week ran 19.1-19.6 s ->
-- 16.8-16.9 s (with the calls insert's parent checks off too, in that measurement). Nothing the key guarded
-- can happen: a member's last call is a campaign call its claim just inserted, and the only calls deleted
-- one by one are webhook strays that belong to no campaign (`elevenlabs::adopt_stray`); demo clean-up deletes
-- a demo campaign's calls and then the campaign with its members.
-- SQLite cannot drop a column's constraint, so the table is rebuilt (its rowids kept: they are the list
-- order), and its indexes and triggers made again as they were.
-- Append-only: never edit this file once it has landed.
CREATE TABLE campaign_contacts_rebuilt (
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    state            TEXT NOT NULL DEFAULT 'pending', -- pending | dialing | in_call | retry_wait | done | suppressed
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_outcome     TEXT,
    next_attempt_at  TEXT,
    callback_at      TEXT,
    lease_expires_at TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    wait_reason      TEXT,
    last_call_id     INTEGER, -- calls.id of the latest claim
    PRIMARY KEY (campaign_id, contact_id)
);
INSERT INTO campaign_contacts_rebuilt(rowid, campaign_id, contact_id, state, attempts, last_outcome, next_attempt_at,
                                      callback_at, lease_expires_at, created_at, updated_at, wait_reason, last_call_id)
    SELECT rowid, campaign_id, contact_id, state, attempts, last_outcome, next_attempt_at,
           callback_at, lease_expires_at, created_at, updated_at, wait_reason, last_call_id
    FROM campaign_contacts ORDER BY rowid;
DROP TABLE campaign_contacts;
ALTER TABLE campaign_contacts_rebuilt RENAME TO campaign_contacts;

CREATE INDEX campaign_contacts_queue ON campaign_contacts(campaign_id, next_attempt_at)
    WHERE state IN ('pending', 'retry_wait');
CREATE INDEX campaign_contacts_callbacks ON campaign_contacts(campaign_id, callback_at)
    WHERE callback_at IS NOT NULL AND state IN ('pending', 'retry_wait');
CREATE INDEX campaign_contacts_dialing ON campaign_contacts(campaign_id, lease_expires_at)
    WHERE state = 'dialing';

CREATE TRIGGER campaign_contacts_due_at AFTER INSERT ON campaign_contacts
    WHEN NEW.next_attempt_at IS NULL AND NEW.state IN ('pending', 'retry_wait')
BEGIN
    UPDATE campaign_contacts SET next_attempt_at = NEW.created_at
    WHERE campaign_id = NEW.campaign_id AND contact_id = NEW.contact_id;
END;
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
