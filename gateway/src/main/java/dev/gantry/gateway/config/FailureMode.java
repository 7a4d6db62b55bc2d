package dev.gantry.gateway.config;

/** What shared limits do when Redis cannot be reached. */
public enum FailureMode {
    /** Admit the request (limits are not enforced while Redis is down); logged and counted. */
    FAIL_OPEN,
    /** Reject the request with 503; logged and counted. */
    FAIL_CLOSED
}
