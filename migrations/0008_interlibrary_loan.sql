-- International interlibrary loan (ISO 18626): requests in both roles, their history, the
-- messages waiting to be delivered to partners' systems, and where those systems listen.

-- Where a partner's ISO 18626 system takes messages, and the bearer credential this library
-- presents there. Without a row, staff handle the partner's requests by e-mail or by hand.
CREATE TABLE ill_endpoints (
    partner_id      bigint PRIMARY KEY REFERENCES partners (id) ON DELETE CASCADE,
    url             text NOT NULL CHECK (char_length(url) BETWEEN 8 AND 2000 AND url ~ '^https?://'),
    credential      text CHECK (char_length(credential) BETWEEN 1 AND 500),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ill_requests (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- borrowing: this library asks the partner; lending: the partner asks this library.
    role                text NOT NULL CHECK (role IN ('borrowing', 'lending')),
    partner_id          bigint NOT NULL REFERENCES partners (id) ON DELETE RESTRICT,
    service_type        text NOT NULL CHECK (service_type IN ('loan', 'copy')),
    status              text NOT NULL CHECK (status IN (
                            'request_received', 'expect_to_supply', 'will_supply', 'retry_possible',
                            'loaned', 'received', 'shipped_return', 'overdue', 'recalled',
                            'copy_completed', 'loan_completed', 'completed_without_return',
                            'unfilled', 'cancelled')),
    -- A question waiting for the other side's answer.
    pending             text CHECK (pending IN ('cancel', 'renew', 'conditions')),
    -- What is asked: a catalogue document, or a citation of something the catalogue lacks
    -- (kept for a catalogue document too, as it was when asked).
    document_id         bigint REFERENCES documents (id) ON DELETE SET NULL,
    title               text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 2000),
    author              text CHECK (char_length(author) <= 1000),
    isbn                text CHECK (char_length(isbn) <= 40),
    issn                text CHECK (char_length(issn) <= 20),
    publication_year    text CHECK (char_length(publication_year) <= 40),
    volume              text CHECK (char_length(volume) <= 200),
    pages               text CHECK (char_length(pages) <= 200),
    -- The copy this library lends (lending loans).
    holding_id          bigint REFERENCES holdings (id) ON DELETE SET NULL,
    -- The reader's reference (borrowing) or the partner's patron reference (lending).
    patron_reference    text CHECK (char_length(patron_reference) <= 200),
    need_before         date,
    due_date            date,
    -- The partner system's id of this transaction.
    partner_request_id  text CHECK (char_length(partner_request_id) BETWEEN 1 AND 200),
    conditions          text CHECK (char_length(conditions) <= 2000),
    unfilled_reason     text CHECK (char_length(unfilled_reason) <= 500),
    -- Raised by every change: an action names the version it saw and loses if another won.
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    supplied_at         timestamptz,
    closed_at           timestamptz
);
CREATE UNIQUE INDEX ill_requests_partner_request_key
    ON ill_requests (partner_id, role, partner_request_id) WHERE partner_request_id IS NOT NULL;
CREATE INDEX ill_requests_partner_idx ON ill_requests (partner_id, created_at);
CREATE INDEX ill_requests_status_idx ON ill_requests (status, due_date);
CREATE INDEX ill_requests_created_idx ON ill_requests (created_at);

-- Every message and action: when, who, the status before and after, the note, and the
-- ISO 18626 message sent or received, if any.
CREATE TABLE ill_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      bigint NOT NULL REFERENCES ill_requests (id) ON DELETE CASCADE,
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor           text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 200),
    action          text NOT NULL CHECK (char_length(action) BETWEEN 1 AND 50),
    status_before   text,
    status_after    text NOT NULL,
    note            text CHECK (char_length(note) <= 2000),
    -- 'in' for a message received, 'out' for one sent; NULL when no message went either way.
    message_direction text CHECK (message_direction IN ('in', 'out')),
    message         text
);
CREATE INDEX ill_events_request_idx ON ill_events (request_id, id);

-- Messages to partners' systems, written in the transaction of the action that causes them
-- and delivered afterwards, oldest first per request, with retries.
CREATE TABLE ill_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      bigint NOT NULL REFERENCES ill_requests (id) ON DELETE CASCADE,
    partner_id      bigint NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    kind            text NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    -- The partner's system answered with an error confirmation: retrying would not help.
    rejected_at     timestamptz,
    last_error      text
);
CREATE INDEX ill_outbox_due_idx ON ill_outbox (next_attempt_at) WHERE delivered_at IS NULL AND rejected_at IS NULL;
CREATE INDEX ill_outbox_request_idx ON ill_outbox (request_id, id);

-- Subscribers in every server process hear of each change.
CREATE FUNCTION ill_requests_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hamkor_ill', NEW.id || ',' || NEW.partner_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER ill_requests_changed AFTER INSERT OR UPDATE ON ill_requests
    FOR EACH ROW EXECUTE FUNCTION ill_requests_notify();
