-- The catalog's tables. Each object keeps its indexed facts in columns and its full
-- content as JSON of the domain type (`body`); domain types stay serde-compatible
-- (new fields default) so stored rows read back after an upgrade.

CREATE TABLE cat_region (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT NOT NULL,
    level       INTEGER NOT NULL
);

CREATE TABLE cat_department (
    id          TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE cat_item_version (
    item_id       TEXT NOT NULL,
    version       INTEGER NOT NULL,
    status        INTEGER NOT NULL,
    department_id TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    valid_from    TEXT,
    valid_until   TEXT,
    cancelled     INTEGER NOT NULL,
    revision      BIGINT NOT NULL,
    published_at  BIGINT,
    body          TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
);
CREATE INDEX cat_item_version_department ON cat_item_version (department_id);
-- At most one draft per item.
CREATE UNIQUE INDEX cat_item_one_draft ON cat_item_version (item_id) WHERE status = 1;

CREATE TABLE cat_bundle (
    id           TEXT PRIMARY KEY,
    status       INTEGER NOT NULL,
    published_at BIGINT,
    body         TEXT NOT NULL
);

CREATE TABLE cat_batch (
    id         TEXT PRIMARY KEY,
    applied    INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    body       TEXT NOT NULL
);

CREATE TABLE cat_calendar_year (
    region_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (region_code, year)
);
