-- The kit's tables, present in every service's database.
-- Instants are BIGINT epoch milliseconds; flags INTEGER 0/1 (portable through sqlx::Any).

CREATE TABLE kit_sequence (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO kit_sequence (name, value) VALUES ('outbox', 0);

CREATE TABLE kit_outbox (
    seq           BIGINT PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    occurred_at   BIGINT NOT NULL,
    payload_type  TEXT NOT NULL,
    payload       BYTEA NOT NULL,
    trace_context TEXT NOT NULL
);

CREATE TABLE kit_idempotency (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    response     BYTEA,
    created_at   BIGINT NOT NULL
);

CREATE TABLE kit_audit (
    seq         BIGSERIAL PRIMARY KEY,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    change_json TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (object_type, object_id, prev_hash)
);
CREATE INDEX kit_audit_object ON kit_audit (object_type, object_id, seq);

CREATE TABLE kit_consumer_offset (
    consumer TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
