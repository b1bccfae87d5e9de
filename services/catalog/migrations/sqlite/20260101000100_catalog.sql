-- The catalog's tables. Each object keeps its indexed facts in columns and its full
-- content as JSON of the domain type (`body`); domain types stay serde-compatible
-- (new fields default) so stored rows read back after an upgrade.

-- Administrative divisions (GB/T 2260): reference data, present from the start.
CREATE TABLE cat_region_body (
    code TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
INSERT INTO cat_region_body (code, body) VALUES ('140000', '{"code":"140000","name":"山西省","parent":null,"level":"province"}');
INSERT INTO cat_region_body (code, body) VALUES ('140200', '{"code":"140200","name":"大同市","parent":"140000","level":"city"}');
INSERT INTO cat_region_body (code, body) VALUES ('140212', '{"code":"140212","name":"新荣区","parent":"140200","level":"district"}');
INSERT INTO cat_region_body (code, body) VALUES ('140213', '{"code":"140213","name":"平城区","parent":"140200","level":"district"}');
INSERT INTO cat_region_body (code, body) VALUES ('140214', '{"code":"140214","name":"云冈区","parent":"140200","level":"district"}');
INSERT INTO cat_region_body (code, body) VALUES ('140215', '{"code":"140215","name":"云州区","parent":"140200","level":"district"}');
INSERT INTO cat_region_body (code, body) VALUES ('140221', '{"code":"140221","name":"阳高县","parent":"140200","level":"county"}');
INSERT INTO cat_region_body (code, body) VALUES ('140222', '{"code":"140222","name":"天镇县","parent":"140200","level":"county"}');
INSERT INTO cat_region_body (code, body) VALUES ('140223', '{"code":"140223","name":"广灵县","parent":"140200","level":"county"}');
INSERT INTO cat_region_body (code, body) VALUES ('140224', '{"code":"140224","name":"灵丘县","parent":"140200","level":"county"}');
INSERT INTO cat_region_body (code, body) VALUES ('140225', '{"code":"140225","name":"浑源县","parent":"140200","level":"county"}');
INSERT INTO cat_region_body (code, body) VALUES ('140226', '{"code":"140226","name":"左云县","parent":"140200","level":"county"}');
INSERT INTO cat_region_body (code, body) VALUES ('140271', '{"code":"140271","name":"山西大同经济开发区","parent":"140200","level":"development_zone"}');

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
    id         TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE cat_batch (
    id         TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE cat_calendar_year (
    region_code TEXT NOT NULL,
    year        INTEGER NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (region_code, year)
);
