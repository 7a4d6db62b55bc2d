package dev.gantry.engine.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code gantry-engine serve} as a real process (from the test classpath or the runnable jar):
 * started with {@code --port 0}, its port read from the line it logs when it listens, its output
 * kept for failure messages.
 */
record ServeProcess(Process process, int port, StringBuffer log) implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)");

  /** {@code java --add-modules jdk.incubator.vector -Xmx512m LAUNCH... serve MODEL --host 127.0.0.1 --port 0 ARGS...}. */
  static ServeProcess start(List<String> launch, Path model, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "-Xmx512m"));
    cmd.addAll(launch);
    cmd.addAll(List.of("serve", model.toString(), "--host", "127.0.0.1", "--port", "0"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuffer log = new StringBuffer();
    int port = -1;
    for (String line; port < 0 && (line = out.readLine()) != null; ) {
      log.append(line).append('\n');
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
      }
    }
    if (port < 0) {
      p.destroyForcibly();
      throw new IllegalStateException("gantry-engine serve exited without listening: " + cmd + "\n" + log);
    }
    Thread.ofVirtual().start(() -> { // keep the pipe drained (and the log) until the process ends
      try {
        out.lines().forEach(l -> log.append(l).append('\n'));
      } catch (UncheckedIOException closed) {
        // the process exited
      }
    });
    return new ServeProcess(p, port, log);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
