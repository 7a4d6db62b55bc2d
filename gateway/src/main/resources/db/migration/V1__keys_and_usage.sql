-- Gantry gateway schema: virtual keys (stored as HMAC-SHA256 digests only) and the usage ledger.
-- Portable between PostgreSQL and H2 (PostgreSQL mode); times are epoch milliseconds.
CREATE TABLE gateway_keys (
    key_digest            VARCHAR(64)  PRIMARY KEY,
    key_alias             VARCHAR(200),
    key_hint              VARCHAR(16)  NOT NULL,
    models                VARCHAR(8000) NOT NULL,
    rpm_limit             BIGINT,
    tpm_limit             BIGINT,
    max_parallel_requests INTEGER,
    model_rpm_limit       VARCHAR(8000) NOT NULL,
    model_tpm_limit       VARCHAR(8000) NOT NULL,
    max_budget            DOUBLE PRECISION,
    max_budget_tokens     BIGINT,
    spend                 DOUBLE PRECISION NOT NULL DEFAULT 0,
    spend_tokens          BIGINT NOT NULL DEFAULT 0,
    expires_at            BIGINT,
    blocked               BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE usage_records (
    request_id        VARCHAR(80)  PRIMARY KEY,
    key_digest        VARCHAR(64),
    key_alias         VARCHAR(200),
    model             VARCHAR(200) NOT NULL,
    deployment        VARCHAR(200),
    prompt_tokens     BIGINT NOT NULL,
    completion_tokens BIGINT NOT NULL,
    cost              DOUBLE PRECISION NOT NULL,
    status            INTEGER NOT NULL,
    started_at        BIGINT NOT NULL,
    first_token_at    BIGINT,
    ended_at          BIGINT NOT NULL
);

CREATE INDEX usage_records_key_digest ON usage_records (key_digest);
CREATE INDEX usage_records_started_at ON usage_records (started_at);
