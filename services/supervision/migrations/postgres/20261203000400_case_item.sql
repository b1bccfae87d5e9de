-- When the catalog announces an item's office, the cases projected before it (the two
-- streams are followed apart) are given it: found among the item's cases through this
-- index rather than by reading every case record.
CREATE INDEX sup_case_item ON sup_case (item_id);
