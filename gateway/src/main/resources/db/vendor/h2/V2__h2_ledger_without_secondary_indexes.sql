-- Embedded H2 only (Database adds db/vendor/h2 to Flyway's locations for jdbc:h2: URLs; PostgreSQL
-- keeps both indexes). Nothing in the gateway reads usage_records by key_digest or started_at:
-- spend is kept in gateway_keys by the ledger writer. On H2 each index is one more B-tree map that
-- every insert, commit and page write pays for, on the two cores that serve requests (bench-ledger:
-- ~16 -> ~13 us of CPU per record at 2,000 records/s). Reports from an embedded ledger scan the table,
-- or create the index they need (see docs/DECISIONS.md).
DROP INDEX IF EXISTS usage_records_key_digest;
DROP INDEX IF EXISTS usage_records_started_at;
