-- Import history: the warnings of each import (fields repaired or dropped), which document
-- each record created or updated and by which rule it was matched, what an update
-- replaced (so that an import can be rolled back), and the roll-back itself.

ALTER TABLE imports
    ADD COLUMN warnings       integer NOT NULL DEFAULT 0,
    ADD COLUMN rolled_back_at timestamptz,
    ADD COLUMN rolled_back_by text CHECK (char_length(rolled_back_by) <= 200);

CREATE TABLE import_warnings (
    import_id       bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    control_number  text,
    message         text NOT NULL
);
CREATE INDEX import_warnings_import_idx ON import_warnings (import_id, position);

CREATE TABLE import_changes (
    import_id       bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    -- No foreign key: rolling an import back deletes the documents it created.
    document_id     bigint NOT NULL,
    action          text NOT NULL CHECK (action IN ('created', 'updated')),
    matched_by      text CHECK (matched_by IN ('control_number', 'same_record', 'isbn', 'earlier_in_file')),
    -- The document as it was before this import updated it.
    previous        jsonb,
    PRIMARY KEY (import_id, position)
);
CREATE INDEX import_changes_document_idx ON import_changes (document_id, import_id);

-- The very same record is recognised whatever source or file name it comes under.
DROP INDEX IF EXISTS documents_source_marc_hash_idx;
CREATE INDEX documents_marc_hash_idx ON documents (marc_hash);
