-- An inbox lists a department's cases awaiting a role by due date, then submission time and
-- id: with every ORDER BY column in the index, a page reads its rows in order and stops,
-- however many cases the inbox holds. It replaces the shorter inbox index.
CREATE INDEX IF NOT EXISTS cs_case_inbox_order
    ON cs_case (department_id, region_code, awaiting_role, due_date, submitted_at, id);
DROP INDEX IF EXISTS cs_case_inbox;
