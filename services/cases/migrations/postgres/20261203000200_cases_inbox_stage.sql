-- The stage whose work a case awaits (accept while awaiting intake), NULL when it awaits
-- none: an inbox filtered by stage is filtered in the query, so its pages and total agree.
ALTER TABLE cs_case ADD COLUMN awaiting_stage TEXT;
UPDATE cs_case SET awaiting_stage = 'accept' WHERE state = 'submitted';
UPDATE cs_case SET awaiting_stage = (
    SELECT s ->> 'stage' FROM jsonb_array_elements(cs_case.body::jsonb -> 'stages') AS s
    WHERE s ->> 'state' = 'active' LIMIT 1
) WHERE state = 'in_progress' AND awaiting_role <> '';

-- An inbox lists cases awaiting intake (no due date) first, then by due date. PostgreSQL
-- sorts NULLs last in ascending order unless told otherwise, in the index as in the query;
-- the stage at the end lets a filtered page and its count read the index alone.
DROP INDEX IF EXISTS cs_case_inbox_order;
CREATE INDEX cs_case_inbox_order
    ON cs_case (department_id, region_code, awaiting_role, due_date NULLS FIRST, submitted_at, id,
                awaiting_stage);
