-- Trading's tables. Each project keeps its indexed facts in columns and its full state as
-- JSON of the domain type (`body`); sealed bids keep their price and documents only as
-- AES-256-GCM ciphertext (`sealed`) until the opening record holds them.

CREATE TABLE trd_project (
    id            TEXT PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    state         TEXT NOT NULL,
    category      TEXT NOT NULL,
    method        TEXT NOT NULL,
    -- When the chronograph has something to do (epoch ms), NULL when nothing.
    next_deadline BIGINT,
    revision      BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX trd_project_due ON trd_project (next_deadline);
CREATE INDEX trd_project_state ON trd_project (state, category);

-- The project's data key, sealed by the service's master key.
CREATE TABLE trd_project_key (
    project_id TEXT PRIMARY KEY,
    sealed_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- Human project numbers, per region, year and category.
CREATE TABLE trd_counter (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE trd_bid (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    lot_id       TEXT NOT NULL,
    -- The bidder's principal (subject); the organization is inside `sealed`.
    bidder       TEXT NOT NULL,
    status       TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    commitment   TEXT NOT NULL,
    sealed       BYTEA NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX trd_bid_project ON trd_bid (project_id, status);
CREATE INDEX trd_bid_bidder ON trd_bid (bidder);

CREATE TABLE trd_quote (
    project_id    TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    bidder_number INTEGER NOT NULL,
    amount_fen    BIGINT NOT NULL,
    placed_at     BIGINT NOT NULL,
    end_at        BIGINT NOT NULL,
    PRIMARY KEY (project_id, seq)
);

CREATE TABLE trd_expert (
    id         TEXT PRIMARY KEY,
    specialty  TEXT NOT NULL,
    active     INTEGER NOT NULL,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX trd_expert_specialty ON trd_expert (specialty);
