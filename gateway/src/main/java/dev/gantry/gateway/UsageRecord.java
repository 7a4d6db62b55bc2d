package dev.gantry.gateway;

import java.time.Instant;

/**
 * One line of the usage ledger, written once per request. {@code requestId} makes writes
 * idempotent: a record replayed from the spool after a crash is not counted twice.
 * {@code firstTokenAt} is null when nothing was streamed back.
 */
record UsageRecord(String requestId, String keyDigest, String keyAlias, String model, String deployment,
                   long promptTokens, long completionTokens, double cost, int status,
                   Instant startedAt, Instant firstTokenAt, Instant endedAt) {
    UsageRecord {
        if (requestId == null || requestId.isBlank()) throw new IllegalArgumentException("requestId is required");
        if (promptTokens < 0 || completionTokens < 0) throw new IllegalArgumentException("token counts must be >= 0");
    }
}
