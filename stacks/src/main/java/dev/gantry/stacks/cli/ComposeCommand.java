package dev.gantry.stacks.cli;

import dev.gantry.stacks.compose.ComposeProject;
import dev.gantry.stacks.compose.ComposeSecret;
import dev.gantry.stacks.config.StackConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gantry compose STACK --out DIR}: writes the stack as a single-host docker-compose
 * project ({@link ComposeProject}) and prints its services and the secret files to create.
 * Secret files are never overwritten: rotating the database password under an initialised
 * volume would lock the gateway out.
 */
@Command(name = "compose", mixinStandardHelpOptions = true,
    header = "Write a stack as a docker-compose project for one GPU host without Kubernetes.",
    description = {"An engine per model (the stack's image digests and engine flags), weight",
        "downloads pinned to the model revisions, the gateway, PostgreSQL, Prometheus",
        "and Grafana, with healthchecks; secrets are read from files under",
        "DIR/secrets/, never written inline."},
    footer = {"", "Examples:", "  gantry compose aws-prod --out build/compose/aws-prod",
        "  gantry compose aws-prod --out /srv/gantry --generate-secrets",
        "  cd /srv/gantry && docker compose up -d"})
final class ComposeCommand implements Callable<Integer> {
  @ParentCommand
  GantryCli parent;

  @Parameters(index = "0", paramLabel = "STACK", description = "Stack name, e.g. aws-prod (see 'gantry stacks').")
  String stack;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the project to (created if missing).")
  Path out;

  @Option(names = "--generate-secrets",
      description = "Write random values (mode 0600) for the secret files that are missing and that Gantry may invent "
          + "(master key, database and Grafana passwords; never the Hugging Face token). Existing files are kept.")
  boolean generateSecrets;

  @Override
  public Integer call() {
    StackConfig config = parent.catalog().load(stack).config();
    ComposeProject project = ComposeProject.of(config);
    PrintWriter stdout = parent.spec.commandLine().getOut();
    Path dir = out.toAbsolutePath().normalize();
    write(project, dir);

    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"SERVICE", "ROLE", "IMAGE", "DETAIL"});
    project.services().forEach(s -> rows.add(new String[] {s.name(), s.role(), s.image(), s.detail()}));
    stdout.print(Table.draw(rows));
    stdout.println("Wrote " + dir.resolve(ComposeProject.COMPOSE_FILE) + " and " + (project.files().size() - 1)
        + " config files for stack " + stack + ".");

    List<ComposeSecret> missing = new ArrayList<>();
    List<String[]> secretRows = new ArrayList<>();
    secretRows.add(new String[] {"SECRET FILE", "STATE", "READ BY"});
    for (ComposeSecret secret : project.secrets()) {
      Path file = dir.resolve(secret.file());
      String state;
      if (Files.exists(file)) {
        state = "present (kept)";
      } else if (generateSecrets && secret.generated()) {
        writeSecret(file, secret.randomValue().orElseThrow());
        state = "generated (0600)";
      } else {
        state = "MISSING";
        missing.add(secret);
      }
      secretRows.add(new String[] {secret.file(), state, secret.purpose()});
    }
    stdout.print(Table.draw(secretRows));
    if (missing.isEmpty()) {
      stdout.println("Start it:  cd " + dir + " && docker compose up -d   (the gateway answers on :4000 once the engines are healthy)");
    } else {
      stdout.println("Before 'docker compose up', create these files (in " + dir + ", mode 0600"
          + (generateSecrets ? "" : ", or rerun with --generate-secrets for the ones Gantry can generate") + "):");
      stdout.println("  umask 077 && mkdir -p secrets");
      missing.forEach(s -> stdout.println("  " + s.howToCreate()));
    }
    return GantryCli.OK;
  }

  /** Writes every generated file; the secrets directory is created (mode 0700) but its files are left alone. */
  static void write(ComposeProject project, Path dir) {
    try {
      Files.createDirectories(dir);
      Path secrets = dir.resolve("secrets");
      if (!Files.isDirectory(secrets)) {
        Files.createDirectory(secrets);
        posix(secrets, "rwx------");
      }
      Map<String, String> files = new TreeMap<>(project.files());
      for (var e : files.entrySet()) {
        Path file = dir.resolve(e.getKey());
        Files.createDirectories(file.getParent());
        Files.writeString(file, e.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the compose project to '" + dir + "': " + e.getMessage()
          + "; pass a writable directory with --out", e);
    }
  }

  /** Creates {@code file} with mode 0600 from the start, so the value is never readable by others, even briefly. */
  private static void writeSecret(Path file, String value) {
    try {
      if (Files.getFileStore(file.getParent()).supportsFileAttributeView("posix")) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
      Files.writeString(file, value);
    } catch (FileAlreadyExistsException e) {
      // Another run created it in between: keep theirs.
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write secret file '" + file + "': " + e.getMessage(), e);
    }
  }

  private static void posix(Path path, String permissions) throws IOException {
    if (Files.getFileStore(path).supportsFileAttributeView("posix")) {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }
  }
}
