package dev.gantry.policies.graph;

/** A graph file could not be read; the message names the file and what is wrong. */
public class GraphFormatException extends RuntimeException {
  public GraphFormatException(String message) {
    super(message);
  }

  public GraphFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
