-- Searches list matches in time order: let the method filter walk its index in that order
-- instead of sorting every match.
DROP INDEX records_method;
CREATE INDEX records_method_at ON records (method, at_us);
