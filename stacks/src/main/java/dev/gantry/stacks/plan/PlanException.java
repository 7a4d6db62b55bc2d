package dev.gantry.stacks.plan;

/** The program failed while being planned; the message carries the program's errors. */
public class PlanException extends RuntimeException {
  public PlanException(String message, Throwable cause) {
    super(message, cause);
  }
}
