-- Open cases are counted by state for the metrics; closed ones are never read.
CREATE INDEX cs_case_state ON cs_case (state);
