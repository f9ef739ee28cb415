-- Who may do what: bearer tokens for staff, administrators and partner portals, and the
-- audit trail of every change.

-- A token is `hamkor_<id>_<secret>`; only the SHA-256 of the 256-bit random secret is kept,
-- so the database never holds anything that works as a token.
CREATE TABLE api_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    role            text NOT NULL CHECK (role IN ('admin', 'staff', 'partner')),
    partner_id      bigint REFERENCES partners (id) ON DELETE RESTRICT,
    secret_hash     bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    revoked_at      timestamptz,
    -- A partner token names its partner; no other token does.
    CONSTRAINT api_tokens_partner_role CHECK ((role = 'partner') = (partner_id IS NOT NULL))
);
CREATE UNIQUE INDEX api_tokens_name_key ON api_tokens (lower(name));

-- Every server caches tokens for a moment; a change to any token tells them to forget.
CREATE FUNCTION api_tokens_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hamkor_tokens', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER api_tokens_changed AFTER INSERT OR UPDATE OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION api_tokens_notify();

-- The audit trail: who did what, when, from where, and how it ended. Rows are only ever
-- added.
CREATE TABLE audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 200),
    role            text NOT NULL CHECK (role IN ('anonymous', 'partner', 'staff', 'admin', 'cli')),
    token_id        bigint,
    partner_id      bigint,
    operation       text NOT NULL CHECK (char_length(operation) BETWEEN 1 AND 100),
    object_ids      text[] NOT NULL DEFAULT '{}',
    address         inet,
    outcome         text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    detail          text CHECK (char_length(detail) <= 2000)
);
CREATE INDEX audit_events_at_idx ON audit_events (at);
CREATE INDEX audit_events_actor_idx ON audit_events (lower(actor), at);
CREATE INDEX audit_events_objects_idx ON audit_events USING gin (object_ids);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
