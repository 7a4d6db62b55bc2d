package dev.gantry.policies.graph;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * A provider function the program called while planning, e.g. {@code aws:index/getAvailabilityZones:getAvailabilityZones}.
 *
 * @param token the function's type token
 * @param args  the arguments passed
 */
public record Invoke(String token, ObjectNode args) {
  public Invoke {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(args, "args");
  }
}
