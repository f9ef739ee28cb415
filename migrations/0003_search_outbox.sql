-- The change log that keeps every search index current. Triggers write it in the same
-- transaction as the change itself, whatever wrote the change (the API, an import, a
-- maintenance script), so no committed change can be missed.
--
-- Each row names a document whose indexed form may have changed, with the id of the
-- transaction that changed it. Index writers track, in their own index, the lowest
-- transaction id that might still be running when they last read the log
-- (pg_snapshot_xmin): every row below it has been seen, every row at or above it is read
-- again. Applying a row re-reads the document's current state, so reading one twice is
-- harmless.

CREATE TABLE search_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     bigint NOT NULL,
    xid             xid8 NOT NULL DEFAULT pg_current_xact_id(),
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_outbox_xid_idx ON search_outbox (xid);

-- Rows older than the retention are pruned; an index whose watermark is below what was
-- pruned cannot catch up from the log and is rebuilt.
CREATE TABLE search_outbox_pruned (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    up_to           xid8 NOT NULL
);

CREATE FUNCTION search_outbox_notify() RETURNS void LANGUAGE sql AS $$
    SELECT pg_notify('hamkor_search', '');
$$;

-- documents: the row itself.
CREATE FUNCTION search_outbox_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO search_outbox (document_id) SELECT id FROM old_rows;
    ELSE
        INSERT INTO search_outbox (document_id) SELECT id FROM new_rows;
    END IF;
    PERFORM search_outbox_notify();
    RETURN NULL;
END $$;
CREATE TRIGGER documents_search_insert AFTER INSERT ON documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_documents();
CREATE TRIGGER documents_search_update AFTER UPDATE ON documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_documents();
CREATE TRIGGER documents_search_delete AFTER DELETE ON documents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_documents();

-- holdings and exchange lines: availability, reading rooms and exchange directions are
-- search filters of the document they belong to.
CREATE FUNCTION search_outbox_document_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO search_outbox (document_id) SELECT DISTINCT document_id FROM old_rows;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_outbox (document_id) SELECT DISTINCT document_id FROM new_rows;
    END IF;
    PERFORM search_outbox_notify();
    RETURN NULL;
END $$;
CREATE TRIGGER holdings_search_insert AFTER INSERT ON holdings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_document_children();
CREATE TRIGGER holdings_search_update AFTER UPDATE ON holdings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_document_children();
CREATE TRIGGER holdings_search_delete AFTER DELETE ON holdings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_document_children();
CREATE TRIGGER exchange_lines_search_insert AFTER INSERT ON exchange_lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_document_children();
CREATE TRIGGER exchange_lines_search_update AFTER UPDATE ON exchange_lines
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_document_children();
CREATE TRIGGER exchange_lines_search_delete AFTER DELETE ON exchange_lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_document_children();

-- exchanges: a cancelled shipment no longer counts for the direction filter.
CREATE FUNCTION search_outbox_exchanges() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_outbox (document_id)
        SELECT l.document_id FROM exchange_lines l JOIN new_rows n ON n.id = l.exchange_id
        UNION
        SELECT d.id FROM documents d JOIN new_rows n ON n.id = d.origin_exchange_id;
    PERFORM search_outbox_notify();
    RETURN NULL;
END $$;
CREATE TRIGGER exchanges_search_update AFTER UPDATE ON exchanges
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_exchanges();

-- partners: a document's country is its partner's.
CREATE FUNCTION search_outbox_partners() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_outbox (document_id)
        SELECT d.id FROM documents d
        JOIN new_rows n ON n.id = d.origin_partner_id
        JOIN old_rows o ON o.id = n.id
        WHERE n.country IS DISTINCT FROM o.country;
    PERFORM search_outbox_notify();
    RETURN NULL;
END $$;
CREATE TRIGGER partners_search_update AFTER UPDATE ON partners
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_partners();
