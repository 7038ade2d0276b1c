-- A member that has just joined a campaign and has not been looked at yet ("fresh": `state = 'pending'`,
-- `next_attempt_at IS NULL`, due since it joined) is no longer in `campaign_contacts_queue`. That index entry
-- was 11% of an import writer's work (callgrind, 200k rows: 3.561 G instructions with it, 3.163 G without),
-- for a value every imported member shares. The dialer finds fresh members instead by walking the table in
-- rowid order (the list order) between `campaigns.queue_fresh_from` and `queue_fresh_to`: every fresh
-- member of the campaign has a rowid in that range, and NULL means the campaign has none.
--   * New members: the insert trigger below widens the range to a new fresh member's rowid (the import,
--     which runs with triggers off, does the same once per chunk).
--   * The dialer moves the lower bound to the first fresh member it finds, or both to NULL when it finds
--     none.
--   * No update makes a member fresh again, possibly outside the range: a member put back in the queue
--     without a due time is due from that moment (`campaign_contacts_requeued`).
-- Append-only: never edit this file once it has landed.
UPDATE campaign_contacts SET next_attempt_at = created_at
    WHERE next_attempt_at IS NULL AND state IN ('pending', 'retry_wait');

ALTER TABLE campaigns ADD COLUMN queue_fresh_from INTEGER;
ALTER TABLE campaigns ADD COLUMN queue_fresh_to INTEGER;

DROP TRIGGER IF EXISTS campaign_contacts_due_at;
DROP INDEX IF EXISTS campaign_contacts_queue;
CREATE INDEX campaign_contacts_queue ON campaign_contacts(campaign_id, next_attempt_at)
    WHERE state IN ('pending', 'retry_wait') AND next_attempt_at IS NOT NULL;

CREATE TRIGGER campaign_contacts_fresh AFTER INSERT ON campaign_contacts
    WHEN NEW.state = 'pending' AND NEW.next_attempt_at IS NULL
BEGIN
    UPDATE campaigns SET queue_fresh_from = min(IFNULL(queue_fresh_from, NEW.rowid), NEW.rowid),
                         queue_fresh_to = max(IFNULL(queue_fresh_to, NEW.rowid), NEW.rowid)
    WHERE id = NEW.campaign_id;
END;
CREATE TRIGGER campaign_contacts_requeued AFTER UPDATE OF state, next_attempt_at ON campaign_contacts
    WHEN NEW.state IN ('pending', 'retry_wait') AND NEW.next_attempt_at IS NULL
         AND NOT (OLD.state = 'pending' AND OLD.next_attempt_at IS NULL)
BEGIN
    UPDATE campaign_contacts SET next_attempt_at = NEW.updated_at WHERE rowid = NEW.rowid;
END;
