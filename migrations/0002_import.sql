-- Contacts import (issue 4). Append-only: never edit this file once it has landed.

-- A second number to try, every zone a number maps to (the engine calls only while all are open), free notes.
ALTER TABLE contacts ADD COLUMN alt_phone_e164 TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN time_zones TEXT NOT NULL DEFAULT '[]';   -- JSON array of IANA names
ALTER TABLE contacts ADD COLUMN notes TEXT NOT NULL DEFAULT '';

-- Column mappings saved by the user, re-applied to files whose header has the same signature.
CREATE TABLE import_templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    signature   TEXT NOT NULL,            -- sha256 of the normalised header cells
    mapping     TEXT NOT NULL,            -- JSON: [{header, target}]
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX import_templates_signature ON import_templates(signature);

CREATE INDEX dnc_phone ON dnc_entries(phone_e164);
