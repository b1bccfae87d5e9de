-- Supervision's record of each traded project still in progress: what the trading stream
-- has told it so far (the announcement's owner, method and periods; the opening's bids with
-- their prices and contacts; the evaluation; the awards), gathered across events until the
-- red flags can be judged. The row goes when the project ends (awarded, failed, cancelled):
-- the flags it raised keep their own evidence.
CREATE TABLE sup_trading_project (
    project_id TEXT PRIMARY KEY,
    body       TEXT NOT NULL
);
