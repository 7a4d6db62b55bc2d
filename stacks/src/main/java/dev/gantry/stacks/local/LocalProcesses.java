package dev.gantry.stacks.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Starting, recognising and stopping the local processes. A process is started detached: in its
 * own session ({@code setsid}, when present) with stdin from /dev/null and output appended to
 * its log, so it outlives the CLI and a Ctrl-C in the terminal. It is "ours" only while its PID
 * is alive, its start time is the one recorded, and its command line carries the component's
 * token and the arguments we gave it: a PID reused by another program is never signalled.
 */
final class LocalProcesses {
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final File DEV_NULL = new File("/dev/null");

  private LocalProcesses() {}

  /** Starts {@code command} detached in {@code workDir}, its output appended to {@code log}. */
  static Process launch(List<String> command, Path workDir, Map<String, String> env, Path log) {
    List<String> full = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      full.add(SETSID.toString()); // not a group leader, so setsid execs in place: the PID stays the same
    }
    full.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(full).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    if (DEV_NULL.exists()) {
      pb.redirectInput(ProcessBuilder.Redirect.from(DEV_NULL));
    }
    pb.environment().putAll(env);
    try {
      return pb.start();
    } catch (IOException e) {
      throw LocalException.failed("Cannot start '" + command.get(0) + "': " + e.getMessage());
    }
  }

  /** The process's start time in epoch milliseconds, when the platform reports it. */
  static Long startMillis(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toEpochMilli).orElse(null);
  }

  /** The live process that {@code s} describes, if it is still ours (see the class comment). */
  static Optional<ProcessHandle> owned(LocalState.Started s) {
    Optional<ProcessHandle> handle = ProcessHandle.of(s.pid()).filter(ProcessHandle::isAlive);
    if (handle.isEmpty()) {
      return Optional.empty();
    }
    Long started = startMillis(handle.get());
    if (s.startMillis() != null && started != null && !started.equals(s.startMillis())) {
      return Optional.empty();
    }
    Optional<List<String>> args = commandLine(s.pid());
    if (args.isPresent() && !carries(args.get(), s.kind().commandTokens(), s.requiredArgs())) {
      return Optional.empty();
    }
    return handle;
  }

  /** True when an argument contains one of {@code tokens} and {@code required} appears as consecutive arguments. */
  static boolean carries(List<String> args, List<String> tokens, List<String> required) {
    return args.stream().anyMatch(a -> tokens.stream().anyMatch(a::contains))
        && (required.isEmpty() || Collections.indexOfSubList(args, required) >= 0);
  }

  /** The process's arguments: /proc/PID/cmdline on Linux, else what the JDK reports. */
  static Optional<List<String>> commandLine(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid), "cmdline");
    if (Files.isReadable(proc)) {
      try {
        String raw = new String(Files.readAllBytes(proc), StandardCharsets.UTF_8);
        return Optional.of(Arrays.asList(raw.split("\0")));
      } catch (IOException e) {
        return Optional.empty(); // exited between the check and the read
      }
    }
    return ProcessHandle.of(pid).flatMap(p -> p.info().command().map(cmd -> {
      List<String> all = new ArrayList<>(List.of(cmd));
      p.info().arguments().ifPresent(a -> all.addAll(Arrays.asList(a)));
      return all;
    }));
  }

  /**
   * Stops the process of {@code s} if it is ours: SIGTERM (the engine drains, the gateway
   * flushes its ledger), then SIGKILL when it has not exited within {@code grace}.
   */
  static LocalStack.Stopped stop(LocalState.Started s, Duration grace) {
    Optional<ProcessHandle> handle = owned(s);
    if (handle.isEmpty()) {
      return LocalStack.Stopped.NOT_RUNNING;
    }
    ProcessHandle p = handle.get();
    p.destroy();
    if (awaitExit(p, grace)) {
      return LocalStack.Stopped.TERMINATED;
    }
    p.destroyForcibly();
    if (!awaitExit(p, Duration.ofSeconds(10))) {
      throw LocalException.failed(s.component() + " (pid " + s.pid() + ") survived SIGKILL for 10 s; check it with "
          + "'ps -p " + s.pid() + " -o pid,stat,cmd'");
    }
    return LocalStack.Stopped.KILLED;
  }

  static boolean awaitExit(ProcessHandle p, Duration timeout) {
    try {
      p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return !p.isAlive();
    } catch (java.util.concurrent.ExecutionException e) {
      return !p.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    }
  }
}
