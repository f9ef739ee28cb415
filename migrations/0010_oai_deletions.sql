-- OAI-PMH (`/oai`): harvesters page through the catalogue in order of last change, and
-- keep their copies complete only if deletions are reported to them as well.

-- The order of a harvest: last change, then id (the keyset of resumption tokens).
CREATE INDEX documents_updated_order_idx ON documents (updated_at, id);

-- Every deleted document, kept for good (the repository declares deletedRecord
-- `persistent`), with the set memberships it had, so that a harvest of one partner's,
-- shipment's or language's set also learns of its deletions. No foreign keys: the
-- document is gone, and its partner or shipment may go too.
CREATE TABLE oai_deletions (
    document_id        bigint PRIMARY KEY,
    deleted_at         timestamptz NOT NULL DEFAULT now(),
    origin_partner_id  bigint,
    origin_exchange_id bigint,
    languages          text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX oai_deletions_order_idx ON oai_deletions (deleted_at, document_id);

-- Filled by a trigger, so that whatever deletes a document (the API, an import's
-- roll-back, a maintenance script) is reported.
CREATE FUNCTION oai_record_deletions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO oai_deletions (document_id, origin_partner_id, origin_exchange_id, languages)
        SELECT id, origin_partner_id, origin_exchange_id, languages FROM old_rows
    ON CONFLICT (document_id) DO UPDATE
        SET deleted_at = excluded.deleted_at,
            origin_partner_id = excluded.origin_partner_id,
            origin_exchange_id = excluded.origin_exchange_id,
            languages = excluded.languages;
    RETURN NULL;
END $$;
CREATE TRIGGER documents_oai_delete AFTER DELETE ON documents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION oai_record_deletions();
