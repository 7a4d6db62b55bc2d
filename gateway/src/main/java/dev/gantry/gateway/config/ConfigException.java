package dev.gantry.gateway.config;

import java.util.List;

/** Thrown when a gateway config file is invalid; lists every problem with its path in the file. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super("invalid gateway config " + source + ":\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
