package dev.gantry.engine.api;

/** The engine failed while serving a request (e.g. the backend threw); the request is over. */
public final class EngineException extends RuntimeException {
  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
