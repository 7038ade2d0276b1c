-- Search across finished calls: every transcript turn (live lines) and each call's post-call transcript and
-- summary, in two FTS5 indexes keyed by the rows they index, so keeping them current is a rowid write.
-- Append-only: never edit this file once it has landed.

-- rowid = call_transcript_lines.id
CREATE VIRTUAL TABLE call_search_lines USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
-- rowid = calls.id: the provider's post-call transcript turns and the summary, as one text
CREATE VIRTUAL TABLE call_search_calls USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER call_search_line_added AFTER INSERT ON call_transcript_lines BEGIN
    INSERT INTO call_search_lines(rowid, text) VALUES (NEW.id, NEW.text);
END;
CREATE TRIGGER call_search_line_removed AFTER DELETE ON call_transcript_lines BEGIN
    DELETE FROM call_search_lines WHERE rowid = OLD.id;
END;

CREATE TRIGGER call_search_call_changed AFTER UPDATE OF transcript, summary ON calls
WHEN NEW.transcript IS NOT OLD.transcript OR NEW.summary IS NOT OLD.summary BEGIN
    DELETE FROM call_search_calls WHERE rowid = NEW.id;
    INSERT INTO call_search_calls(rowid, text)
    SELECT NEW.id, trim(COALESCE(NEW.summary, '') || ' ' || COALESCE(
        (SELECT group_concat(json_extract(value, '$.message'), ' ')
         FROM json_each(CASE WHEN json_valid(NEW.transcript) THEN NEW.transcript ELSE '[]' END)), ''));
END;
CREATE TRIGGER call_search_call_removed AFTER DELETE ON calls BEGIN
    DELETE FROM call_search_calls WHERE rowid = OLD.id;
END;

INSERT INTO call_search_lines(rowid, text) SELECT id, text FROM call_transcript_lines;
INSERT INTO call_search_calls(rowid, text)
SELECT id, trim(COALESCE(summary, '') || ' ' || COALESCE(
    (SELECT group_concat(json_extract(value, '$.message'), ' ')
     FROM json_each(CASE WHEN json_valid(transcript) THEN transcript ELSE '[]' END)), ''))
FROM calls WHERE transcript IS NOT NULL OR summary IS NOT NULL;

-- History pages: finished calls newest first, per campaign.
CREATE INDEX calls_ended ON calls(ended_at);
