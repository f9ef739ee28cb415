-- Partners, agreements and projects: the foundation of the cooperation office's records.
-- Enumerations are CHECK constraints on text columns rather than PostgreSQL enum types, so
-- that adding a value later is a plain ALTER TABLE ... CHECK in a migration, not a type rewrite.

CREATE TABLE partners (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN (
                        'national_library', 'university', 'research_institute', 'cultural_centre',
                        'archive', 'diplomatic_mission', 'international_organisation', 'company')),
    -- The country the partner belongs to or represents (an embassy in Tashkent is US);
    -- unknown or not applicable for some international bodies.
    country         char(2) CHECK (country ~ '^[A-Z]{2}$'),
    city            text CHECK (char_length(city) BETWEEN 1 AND 200),
    website         text CHECK (char_length(website) BETWEEN 1 AND 2000),
    email           text CHECK (char_length(email) BETWEEN 3 AND 254),
    -- ISO 15511 International Standard Identifier for Libraries: prefix, hyphen, local part,
    -- 16 characters at most. Interlibrary loan addresses partners by it.
    isil            text CHECK (char_length(isil) <= 16 AND isil ~ '^[A-Za-z0-9]{1,4}-[A-Za-z0-9:/-]{1,11}$'),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX partners_isil_key ON partners (upper(isil)) WHERE isil IS NOT NULL;
CREATE INDEX partners_country_idx ON partners (country);

-- One row per language: a partner is known by different names in Uzbek, Russian, English and
-- its own language. `lang` is a BCP 47 tag in canonical case (uz-Latn, ru, en, ko, zh-Hans).
CREATE TABLE partner_names (
    partner_id      bigint NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    lang            text NOT NULL CHECK (char_length(lang) BETWEEN 2 AND 35),
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 300),
    PRIMARY KEY (partner_id, lang)
);
-- Two partners may not share a name in the same language: that is how duplicates are caught.
CREATE UNIQUE INDEX partner_names_unique_name ON partner_names (lower(lang), lower(name));

CREATE TABLE agreements (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id      bigint NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    kind            text NOT NULL CHECK (kind IN (
                        'memorandum_of_understanding', 'cooperation_agreement', 'exchange_agreement', 'other')),
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 500),
    signed_on       date,
    valid_from      date,
    valid_until     date,
    -- 'expired' is never stored: it follows from valid_until and today's date.
    status          text NOT NULL CHECK (status IN ('draft', 'active', 'terminated')),
    scope           text CHECK (char_length(scope) <= 10000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agreements_validity_order CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_from <= valid_until)
);
CREATE INDEX agreements_partner_idx ON agreements (partner_id);
CREATE INDEX agreements_valid_until_idx ON agreements (valid_until) WHERE status = 'active';
CREATE UNIQUE INDEX agreements_partner_title_key ON agreements (partner_id, lower(title));

CREATE TABLE projects (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN (
                        'reading_room', 'cultural_centre', 'knowledge_hall', 'unesco_programme', 'publication', 'other')),
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 500),
    status          text NOT NULL CHECK (status IN ('planned', 'active', 'completed', 'suspended')),
    starts_on       date,
    ends_on         date,
    description     text CHECK (char_length(description) <= 10000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_date_order CHECK (ends_on IS NULL OR starts_on IS NULL OR starts_on <= ends_on)
);
CREATE UNIQUE INDEX projects_title_key ON projects (lower(title));

CREATE TABLE project_partners (
    project_id      bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    partner_id      bigint NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    role            text NOT NULL CHECK (role IN ('lead', 'co_organiser', 'sponsor', 'supporter')),
    PRIMARY KEY (project_id, partner_id)
);
CREATE INDEX project_partners_partner_idx ON project_partners (partner_id);
