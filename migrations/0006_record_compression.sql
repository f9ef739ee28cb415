-- The stored MARC record is most of a document row, and compressing it with PostgreSQL's
-- default (pglz) was a large share of an import's database time. LZ4 compresses several
-- times faster at a similar ratio. A server built without LZ4 keeps the default.
DO $$
BEGIN
    ALTER TABLE documents ALTER COLUMN marc_xml SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no LZ4: stored MARC records keep the default compression';
END $$;
