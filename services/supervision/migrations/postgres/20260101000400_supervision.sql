-- Supervision's tables. Dates of the working-day calendar are ISO text (which sorts in date
-- order; 9999-12-31 means "never"), instants BIGINT epoch milliseconds, flags and numbers
-- BIGINT. Each object keeps the facts it is searched by in columns and its full domain value
-- as JSON (`body`); domain types stay serde-compatible so stored rows read back.

-- Supervision's own record of every case (its projection of the cases stream).
CREATE TABLE sup_case (
    case_id           TEXT PRIMARY KEY,
    case_number       TEXT NOT NULL,
    item_id           TEXT NOT NULL,
    department_id     TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    state             TEXT NOT NULL,
    accepted_on       TEXT,
    concluded_on      TEXT,
    -- 1: taken in at a window that may only receive; 0: fully authorized; NULL: not told.
    accept_only       BIGINT,
    working_days_used BIGINT,
    body              TEXT NOT NULL
);
CREATE INDEX sup_case_accepted ON sup_case (accepted_on, department_id);
CREATE INDEX sup_case_state ON sup_case (state, region_code);

CREATE TABLE sup_bundle (
    bundle_case_id TEXT PRIMARY KEY,
    body           TEXT NOT NULL
);

-- Open deadlines, one per case and per stage: the scanner reads only rows whose next
-- check has come, through the index, however many cases are open.
CREATE TABLE sup_watch (
    subject_key TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL,
    next_check  TEXT NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX sup_watch_next_check ON sup_watch (next_check);
CREATE INDEX sup_watch_case ON sup_watch (case_id);

-- Early warnings and cards: at most one per case or stage and level.
CREATE TABLE sup_warning (
    id            TEXT PRIMARY KEY,
    subject_key   TEXT NOT NULL,
    level         BIGINT NOT NULL,
    stage         TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    case_number   TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    department_id TEXT NOT NULL,
    office_id     TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    staff_subject TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    reached_on    TEXT NOT NULL,
    issued_at     BIGINT NOT NULL,
    is_open       BIGINT NOT NULL,
    closed_at     BIGINT,
    close_reason  TEXT NOT NULL,
    UNIQUE (subject_key, level)
);
CREATE INDEX sup_warning_department ON sup_warning (department_id, reached_on);
CREATE INDEX sup_warning_reached ON sup_warning (reached_on);
CREATE INDEX sup_warning_case ON sup_warning (case_id);
CREATE INDEX sup_warning_open ON sup_warning (is_open, level);

-- Rule hits; the dedupe key (rule, subject, part) makes each one unique.
CREATE TABLE sup_violation (
    id            TEXT PRIMARY KEY,
    dedupe_key    TEXT NOT NULL UNIQUE,
    rule          TEXT NOT NULL,
    severity      BIGINT NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    department_id TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    status        TEXT NOT NULL,
    detected_on   TEXT NOT NULL,
    detected_at   BIGINT NOT NULL,
    revision      BIGINT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX sup_violation_department ON sup_violation (department_id, detected_at);
CREATE INDEX sup_violation_status ON sup_violation (status);
CREATE INDEX sup_violation_subject ON sup_violation (subject_kind, subject_id);

-- One evaluation per case.
CREATE TABLE sup_evaluation (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL UNIQUE,
    department_id TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    rating        BIGINT NOT NULL,
    submitted_on  TEXT NOT NULL,
    submitted_at  BIGINT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX sup_evaluation_department ON sup_evaluation (department_id, submitted_on);

CREATE TABLE sup_rectification (
    id            TEXT PRIMARY KEY,
    evaluation_id TEXT NOT NULL UNIQUE,
    department_id TEXT NOT NULL,
    state         TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    opened_at     BIGINT NOT NULL,
    revision      BIGINT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX sup_rectification_department ON sup_rectification (department_id, opened_at);

-- Complaints; only a hash of each secret is kept.
CREATE TABLE sup_complaint (
    id              TEXT PRIMARY KEY,
    tracking_number TEXT NOT NULL UNIQUE,
    secret_hash     TEXT NOT NULL,
    department_id   TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    state           TEXT NOT NULL,
    step_due_on     TEXT NOT NULL,
    filed_at        BIGINT NOT NULL,
    revision        BIGINT NOT NULL,
    body            TEXT NOT NULL
);
CREATE INDEX sup_complaint_state ON sup_complaint (state, filed_at);
CREATE INDEX sup_complaint_department ON sup_complaint (department_id, filed_at);

-- Counters of human numbers (complaint tracking numbers per year).
CREATE TABLE sup_counter (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE sup_bulletin (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    department_id TEXT NOT NULL,
    published_at  BIGINT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX sup_bulletin_published ON sup_bulletin (published_at);

-- Figures per day and department, added to in the transaction of what they count, so a
-- period, a series or today's dashboard adds up rows of days rather than scanning cases.
CREATE TABLE sup_daily (
    day               TEXT NOT NULL,
    department_id     TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    accepted          BIGINT NOT NULL DEFAULT 0,
    concluded         BIGINT NOT NULL DEFAULT 0,
    on_time           BIGINT NOT NULL DEFAULT 0,
    working_days_used BIGINT NOT NULL DEFAULT 0,
    promised_days     BIGINT NOT NULL DEFAULT 0,
    early             BIGINT NOT NULL DEFAULT 0,
    yellow            BIGINT NOT NULL DEFAULT 0,
    red               BIGINT NOT NULL DEFAULT 0,
    violations        BIGINT NOT NULL DEFAULT 0,
    evaluations       BIGINT NOT NULL DEFAULT 0,
    rating_points     BIGINT NOT NULL DEFAULT 0,
    good_ratings      BIGINT NOT NULL DEFAULT 0,
    bad_ratings       BIGINT NOT NULL DEFAULT 0,
    complaints        BIGINT NOT NULL DEFAULT 0,
    substantiated     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, department_id, region_code)
);

-- What the catalog announced: item versions and calendar years.
CREATE TABLE sup_item_version (
    item_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (item_id, version)
);

CREATE TABLE sup_calendar_year (
    region_code TEXT NOT NULL,
    year        BIGINT NOT NULL,
    body        TEXT NOT NULL,
    PRIMARY KEY (region_code, year)
);

-- Awards per owner, for the dominant-supplier red flag.
CREATE TABLE sup_trading_award (
    project_id TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL,
    winner_id  TEXT NOT NULL,
    awarded_on TEXT NOT NULL
);
CREATE INDEX sup_trading_award_owner ON sup_trading_award (owner_id);

-- Events of a followed stream that could not be read: kept in sight, not silently lost,
-- and not allowed to stop the stream behind them.
CREATE TABLE sup_unreadable_event (
    stream TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    kind   TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (stream, seq)
);
