-- The catalogue of exchanged documents: bibliographic records, the copies held by this
-- library and by partners, the exchange shipments that move them, and MARC imports.

CREATE TABLE exchanges (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id      bigint NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    agreement_id    bigint REFERENCES agreements (id) ON DELETE RESTRICT,
    direction       text NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
    status          text NOT NULL DEFAULT 'planned'
                    CHECK (status IN ('planned', 'dispatched', 'received', 'acknowledged', 'cancelled')),
    reference       text CHECK (char_length(reference) BETWEEN 1 AND 200),
    note            text CHECK (char_length(note) <= 10000),
    expected_on     date,
    dispatched_on   date,
    received_on     date,
    acknowledged_on date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT exchanges_received_after_dispatch CHECK (received_on IS NULL OR dispatched_on IS NULL OR dispatched_on <= received_on)
);
CREATE INDEX exchanges_partner_idx ON exchanges (partner_id);

-- Every move of a shipment, with who made it, when, and why.
CREATE TABLE exchange_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exchange_id     bigint NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    from_status     text,
    to_status       text NOT NULL,
    actor           text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 200),
    note            text CHECK (char_length(note) <= 10000),
    happened_on     date NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exchange_events_exchange_idx ON exchange_events (exchange_id, id);

CREATE TABLE imports (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 200),
    file_name       text,
    partner_id      bigint REFERENCES partners (id) ON DELETE SET NULL,
    exchange_id     bigint REFERENCES exchanges (id) ON DELETE SET NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    records_read    integer NOT NULL DEFAULT 0,
    created         integer NOT NULL DEFAULT 0,
    updated         integer NOT NULL DEFAULT 0,
    rejected        integer NOT NULL DEFAULT 0
);

CREATE TABLE import_rejections (
    import_id       bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    byte_offset     bigint,
    control_number  text,
    reason          text NOT NULL,
    PRIMARY KEY (import_id, position)
);

CREATE TABLE documents (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 2000),
    subtitle        text,
    parallel_titles jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(parallel_titles) = 'array'),
    contributors    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(contributors) = 'array'),
    languages       text[] NOT NULL DEFAULT '{}',
    publisher       text,
    place           text,
    year            integer CHECK (year BETWEEN -3000 AND 2100),
    edition         text,
    series_title    text,
    series_volume   text,
    isbns           text[] NOT NULL DEFAULT '{}',
    issns           text[] NOT NULL DEFAULT '{}',
    subjects        text[] NOT NULL DEFAULT '{}',
    abstract_text   text,
    notes           text,
    physical_description text,
    format          text NOT NULL DEFAULT 'other' CHECK (format IN (
                        'book', 'serial', 'manuscript', 'map', 'score', 'audiovisual', 'electronic', 'other')),
    source          text,
    control_number  text,
    origin_partner_id  bigint REFERENCES partners (id) ON DELETE SET NULL,
    origin_exchange_id bigint REFERENCES exchanges (id) ON DELETE SET NULL,
    import_id       bigint REFERENCES imports (id) ON DELETE SET NULL,
    marc_xml        text,
    -- Identifies a re-imported record that has no control number (001).
    marc_hash       text GENERATED ALWAYS AS (md5(marc_xml)) STORED,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- A record re-imported from the same source updates the document it created.
CREATE UNIQUE INDEX documents_source_control_number_key ON documents (source, control_number)
    WHERE source IS NOT NULL AND control_number IS NOT NULL;
CREATE INDEX documents_source_marc_hash_idx ON documents (source, marc_hash) WHERE control_number IS NULL;
CREATE INDEX documents_isbns_idx ON documents USING gin (isbns);
CREATE INDEX documents_languages_idx ON documents USING gin (languages);
CREATE INDEX documents_year_idx ON documents (year);
CREATE INDEX documents_origin_partner_idx ON documents (origin_partner_id);
CREATE INDEX documents_origin_exchange_idx ON documents (origin_exchange_id);

CREATE TABLE exchange_lines (
    exchange_id     bigint NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    document_id     bigint NOT NULL REFERENCES documents (id) ON DELETE RESTRICT,
    copies          integer NOT NULL CHECK (copies BETWEEN 1 AND 10000),
    PRIMARY KEY (exchange_id, document_id)
);
CREATE INDEX exchange_lines_document_idx ON exchange_lines (document_id);

CREATE TABLE holdings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id     bigint NOT NULL REFERENCES documents (id) ON DELETE RESTRICT,
    -- NULL: held by this library. Otherwise the partner that holds the copy (what
    -- interlibrary loan asks for).
    holder_partner_id bigint REFERENCES partners (id) ON DELETE RESTRICT,
    barcode         text NOT NULL CHECK (char_length(barcode) BETWEEN 1 AND 100),
    call_number     text CHECK (char_length(call_number) <= 200),
    -- The project reading room the copy is shelved in ("Window to Korea"), if any.
    location_project_id bigint REFERENCES projects (id) ON DELETE SET NULL,
    location_note   text CHECK (char_length(location_note) <= 500),
    status          text NOT NULL DEFAULT 'available'
                    CHECK (status IN ('available', 'on_loan', 'in_transit', 'missing', 'withdrawn')),
    -- The exchange shipment that brought the copy.
    exchange_id     bigint REFERENCES exchanges (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- A barcode is unique per holder (this library being holder 0).
CREATE UNIQUE INDEX holdings_holder_barcode_key ON holdings (COALESCE(holder_partner_id, 0), barcode);
CREATE INDEX holdings_document_idx ON holdings (document_id);
CREATE INDEX holdings_location_idx ON holdings (location_project_id);
CREATE INDEX holdings_holder_idx ON holdings (holder_partner_id);
