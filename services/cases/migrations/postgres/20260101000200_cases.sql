-- The cases service's tables. Indexed facts in columns, the domain value as JSON (`body`).

-- What the catalog published, as followed from its event stream.
CREATE TABLE cs_item_terms (
    item_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    valid_from TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
);

CREATE TABLE cs_bundle_terms (
    id   TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

CREATE TABLE cs_calendar_year (
    region_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (region_code, year)
);

-- Case numbers per region and year, gap-free.
CREATE TABLE cs_number_counter (
    region_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    value       BIGINT NOT NULL,
    PRIMARY KEY (region_code, year)
);

CREATE TABLE cs_case (
    id                TEXT PRIMARY KEY,
    case_number       TEXT NOT NULL UNIQUE,
    query_code_hash   TEXT NOT NULL,
    item_id           TEXT NOT NULL,
    department_id     TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    state             TEXT NOT NULL,
    -- The role whose work the case awaits (clerk, approver), empty when none.
    awaiting_role     TEXT NOT NULL,
    applicant_subject TEXT,
    applicant_key     TEXT NOT NULL,
    bundle_case_id    TEXT,
    due_date          TEXT,
    submitted_at      BIGINT NOT NULL,
    revision          BIGINT NOT NULL,
    body              TEXT NOT NULL
);
CREATE INDEX cs_case_inbox ON cs_case (department_id, region_code, awaiting_role, due_date);
CREATE INDEX cs_case_applicant ON cs_case (applicant_subject);
CREATE INDEX cs_case_bundle ON cs_case (bundle_case_id);
CREATE INDEX cs_case_submitted ON cs_case (submitted_at);

CREATE TABLE cs_material (
    id           TEXT PRIMARY KEY,
    case_id      TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL
);
CREATE INDEX cs_material_case ON cs_material (case_id);

CREATE TABLE cs_bundle_case (
    id                 TEXT PRIMARY KEY,
    case_number        TEXT NOT NULL UNIQUE,
    query_code_hash    TEXT NOT NULL,
    bundle_id          TEXT NOT NULL,
    lead_department_id TEXT NOT NULL,
    region_code        TEXT NOT NULL,
    state              TEXT NOT NULL,
    applicant_subject  TEXT,
    submitted_at       BIGINT NOT NULL,
    revision           BIGINT NOT NULL,
    body               TEXT NOT NULL
);
