-- Titles sort without their leading article: a MARC record says in the 245's second
-- indicator how many characters of the title are not filed on ("The ", "Der ", "L'").
ALTER TABLE documents
    ADD COLUMN title_nonfiling smallint NOT NULL DEFAULT 0 CHECK (title_nonfiling BETWEEN 0 AND 9),
    ADD COLUMN sort_title text GENERATED ALWAYS AS (lower(substr(title, title_nonfiling + 1))) STORED;
DROP INDEX IF EXISTS documents_title_order_idx;
CREATE INDEX documents_title_order_idx ON documents (sort_title, id);
