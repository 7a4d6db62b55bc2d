package dev.gantry.stacks.local;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code gantry local up} started, kept in {@code STATE_DIR/local.json} (plus one
 * {@code COMPONENT.pid} file each, for scripts): the model, the name it is served under, and
 * one {@link Started} per process. Written after each process starts, so a failed {@code up}
 * still leaves a record that {@code local down} can act on.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LocalState(String model, boolean demo, String servedModelName, List<Started> processes) {
  public static final String FILE = "local.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public LocalState {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(servedModelName, "servedModelName");
    processes = List.copyOf(processes);
  }

  /** A process that {@code local up} started. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Started(String component, long pid, Long startMillis, int port, String log, List<String> requiredArgs) {
    public Started {
      Component.of(component);
      if (pid <= 0) {
        throw new IllegalArgumentException("pid must be positive, got " + pid);
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be within [1, 65535], got " + port);
      }
      requiredArgs = List.copyOf(requiredArgs);
    }

    public Component kind() {
      return Component.of(component);
    }
  }

  /** This state with {@code s} added (replacing an earlier record of the same component). */
  public LocalState with(Started s) {
    List<Started> next = new ArrayList<>(processes.stream().filter(p -> !p.component().equals(s.component())).toList());
    next.add(s);
    return new LocalState(model, demo, servedModelName, next);
  }

  public Optional<Started> process(Component c) {
    return processes.stream().filter(p -> p.component().equals(c.label())).findFirst();
  }

  /** The state recorded in {@code stateDir}, if any; a damaged file is a bad-input error naming it. */
  public static Optional<LocalState> read(Path stateDir) {
    Path file = stateDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), LocalState.class));
    } catch (IOException | RuntimeException e) {
      throw LocalException.badInput("Cannot read '" + file + "' (" + e.getMessage().lines().findFirst().orElse("")
          + "); if no gantry local processes are running, delete it and run the command again");
    }
  }

  /** Writes local.json atomically and one PID file per process. */
  public void write(Path stateDir) {
    try {
      Files.createDirectories(stateDir);
      Path tmp = stateDir.resolve(FILE + ".tmp");
      JSON.writeValue(tmp.toFile(), this);
      Files.move(tmp, stateDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      for (Started p : processes) {
        Files.writeString(pidFile(stateDir, p.kind()), p.pid() + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the local state in '" + stateDir + "': " + e.getMessage(), e);
    }
  }

  /** Removes local.json and the PID files (after {@code local down}). */
  public static void clear(Path stateDir) {
    try {
      Files.deleteIfExists(stateDir.resolve(FILE));
      for (Component c : Component.values()) {
        Files.deleteIfExists(pidFile(stateDir, c));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path pidFile(Path stateDir, Component c) {
    return stateDir.resolve(c.label() + ".pid");
  }
}
