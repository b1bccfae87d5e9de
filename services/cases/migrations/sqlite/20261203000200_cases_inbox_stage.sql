-- The stage whose work a case awaits (accept while awaiting intake), NULL when it awaits
-- none: an inbox filtered by stage is filtered in the query, so its pages and total agree.
ALTER TABLE cs_case ADD COLUMN awaiting_stage TEXT;
UPDATE cs_case SET awaiting_stage = 'accept' WHERE state = 'submitted';
UPDATE cs_case SET awaiting_stage = (
    SELECT json_extract(s.value, '$.stage') FROM json_each(cs_case.body, '$.stages') AS s
    WHERE json_extract(s.value, '$.state') = 'active' LIMIT 1
) WHERE state = 'in_progress' AND awaiting_role <> '';

-- An inbox lists cases awaiting intake (no due date) first, then by due date. SQLite sorts
-- NULLs first in ascending order, so the index serves `due_date NULLS FIRST` as it is; the
-- stage at the end lets a filtered page and its count read the index alone.
DROP INDEX IF EXISTS cs_case_inbox_order;
CREATE INDEX cs_case_inbox_order
    ON cs_case (department_id, region_code, awaiting_role, due_date, submitted_at, id, awaiting_stage);
