-- Staff read rectification tasks of their own department in their own region only, so the
-- region is a column like the department; existing rows take their evaluation's region.
ALTER TABLE sup_rectification ADD COLUMN region_code TEXT NOT NULL DEFAULT '';
UPDATE sup_rectification SET region_code = COALESCE(
    (SELECT e.region_code FROM sup_evaluation e WHERE e.id = sup_rectification.evaluation_id),
    ''
);
CREATE INDEX sup_rectification_region ON sup_rectification (department_id, region_code, opened_at);
