package dev.gantry.stacks.cli;

import dev.gantry.stacks.config.StackCatalog;
import dev.gantry.stacks.images.BaseImage;
import dev.gantry.stacks.images.BuiltImage;
import dev.gantry.stacks.images.ContainerImages;
import dev.gantry.stacks.images.GantryImages;
import dev.gantry.stacks.images.ImageException;
import dev.gantry.stacks.images.ImageLock;
import dev.gantry.stacks.images.ImageSpec;
import dev.gantry.stacks.images.ImageTarget;
import dev.gantry.stacks.images.ImagesConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code gantry images build}: builds the engine and gateway images with jib-core (no
 * Docker daemon) to Docker-format tars or to a registry; pushes record their digests in
 * {@code stacks/images.lock.json}, which the Pulumi program deploys by digest.
 */
@Command(name = "images", mixinStandardHelpOptions = true,
    description = "Container images of the engine and the gateway (jib-core, no Docker daemon).",
    subcommands = ImagesCommand.Build.class)
final class ImagesCommand implements Runnable {
  @ParentCommand
  GantryCli parent;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The build verb. */
  @Command(name = "build", mixinStandardHelpOptions = true,
      description = {"Build the engine and gateway images: reproducible, non-root (65532), dependencies and",
          "application in separate layers, the engine's CUDA jars in a third (unless --no-cuda).",
          "Bases come from stacks/images.yaml (pinned by digest).",
          "Exit 0 built, 1 build or push failed, 2 bad input."},
      footer = {"", "Examples:",
          "  gantry images build                                   # tars in stacks/target/images",
          "  gantry images build --base-tar temurin.tar            # offline, base from 'docker save'",
          "  gantry images build --no-cuda --only engine           # CPU-only engine (dev stack)",
          "  gantry images build --push 123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry",
          "", "Registry credentials: GANTRY_REGISTRY_USERNAME + GANTRY_REGISTRY_PASSWORD, else the docker",
          "config (~/.docker/config.json) and its credential helpers, else Google application default",
          "credentials. See README: Container images."})
  static final class Build implements Callable<Integer> {
    enum To { tar, registry }

    @ParentCommand
    ImagesCommand images;

    @Option(names = "--to", paramLabel = "tar|registry",
        description = "Where images go (default: registry with --push, else tar).")
    To to;

    @Option(names = "--push", paramLabel = "REGISTRY",
        description = "Registry and path prefix, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry; "
            + "images become REGISTRY/engine:VERSION and REGISTRY/gateway:VERSION.")
    String push;

    @Option(names = "--base-tar", paramLabel = "FILE",
        description = "Base image for both images from a 'docker save' tar instead of stacks/images.yaml; "
            + "with --to tar the build needs no network.")
    Path baseTar;

    @Option(names = "--out", paramLabel = "DIR", description = "Directory of the tars (default: stacks/target/images).")
    Path outDir;

    @Option(names = "--only", paramLabel = "NAME", description = "Build only this image: engine or gateway.")
    String only;

    @Option(names = "--no-cuda", description = "CPU-only engine image: no CUDA layer (JNI natives and CUDA runtime "
        + "libraries, about 380 MB), e.g. for the dev stack. Without it the CUDA jars are resolved into "
        + GantryImages.CUDA_DIR + " (offline first).")
    boolean noCuda;

    @Option(names = "--preflight-timeout-ms", defaultValue = "3000", paramLabel = "MS",
        description = "DNS and TCP timeout of the registry reachability check (default: ${DEFAULT-VALUE}).")
    long preflightTimeoutMs;

    @Override
    public Integer call() {
      PrintWriter out = images.spec.commandLine().getOut();
      PrintWriter err = images.spec.commandLine().getErr();
      try {
        return build(out, err);
      } catch (ImageException e) {
        err.println("gantry: " + e.getMessage());
        return e.badInput() ? GantryCli.BAD_INPUT : GantryCli.FAILED;
      }
    }

    private int build(PrintWriter out, PrintWriter err) {
      To destination = to != null ? to : push != null ? To.registry : To.tar;
      if (destination == To.registry && push == null) {
        throw new ImageException("--to registry needs --push REGISTRY, e.g. --push registry.example.com/gantry", true);
      }
      // A tag would end up in the middle of the reference (REGISTRY/engine:VERSION).
      boolean tagged = push != null && push.contains("/") && push.substring(push.lastIndexOf('/')).contains(":");
      if (push != null && (push.contains("@") || push.endsWith("/") || tagged)) {
        throw new ImageException("--push '" + push + "' must be a registry and path prefix without tag, digest or "
            + "trailing '/', e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/gantry", true);
      }
      if (preflightTimeoutMs < 1) {
        throw new ImageException("--preflight-timeout-ms must be at least 1, got " + preflightTimeoutMs, true);
      }
      List<String> names = only == null ? GantryImages.NAMES : List.of(only);
      if (!GantryImages.NAMES.containsAll(names)) {
        throw new ImageException("--only '" + only + "' is not an image; use one of " + GantryImages.NAMES, true);
      }
      StackCatalog catalog = images.parent.catalog();
      Path root = catalog.repoRoot();
      Path stacksDir = catalog.stacksDir();
      ImagesConfig config = ImagesConfig.read(stacksDir);
      Path tarDir = outDir != null ? outDir : stacksDir.resolve("target/images");
      boolean offline = destination == To.tar && baseTar != null;

      GantryImages.ensureBuilt(root, names, line -> err.println("gantry: " + line));
      boolean cuda = names.contains("engine") && !noCuda;
      if (cuda) {
        GantryImages.ensureCuda(root, line -> err.println("gantry: " + line));
      }
      String revision = GantryImages.revision(root);
      var options = new ContainerImages.Options(offline, stacksDir.resolve("target/jib-cache"), System.getenv(),
          java.time.Duration.ofMillis(preflightTimeoutMs), line -> err.println("gantry:" + line));
      List<BuiltImage> built = new ArrayList<>();
      for (String name : names) {
        String baseRef = baseTar != null ? baseTar.toAbsolutePath().toString()
            : name.equals("engine") ? config.engineBase() : config.gatewayBase();
        BaseImage base = baseTar != null ? new BaseImage.Tar(baseTar) : new BaseImage.Registry(baseRef);
        ImageSpec spec = GantryImages.spec(name, root, config, baseTar != null ? "tar:" + baseTar.getFileName() : baseRef,
            revision, cuda);
        String reference = (push != null ? push : "gantry") + "/" + name + ":" + config.version();
        ImageTarget target = destination == To.registry ? new ImageTarget.Registry(reference)
            : new ImageTarget.Tar(tarDir.resolve(name + ".tar"), reference);
        err.println("gantry: building " + name + " -> " + (target instanceof ImageTarget.Tar t ? t.file() : reference)
            + (offline ? " (offline)" : ""));
        built.add(ContainerImages.build(spec, base, target, options));
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"IMAGE", "REFERENCE", "DIGEST"});
      built.forEach(b -> rows.add(new String[] {b.name(), b.reference(), b.digest()}));
      out.print(Table.draw(rows));
      if (destination == To.registry) {
        ImageLock.read(stacksDir).orElse(ImageLock.empty()).with(built).write(stacksDir);
        out.println("Wrote " + stacksDir.resolve(ImageLock.FILE_NAME) + ": stacks now deploy "
            + String.join(", ", built.stream().map(BuiltImage::pinnedReference).toList()));
      } else {
        out.println("Load with: " + String.join(" && ", built.stream()
            .map(b -> "docker load -i " + tarDir.resolve(b.name() + ".tar")).toList()));
      }
      return GantryCli.OK;
    }
  }
}
