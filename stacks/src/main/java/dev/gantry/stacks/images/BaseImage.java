package dev.gantry.stacks.images;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where an image's base comes from: a registry reference (pinned by digest) or a local tar. */
public sealed interface BaseImage {

  /** A base image in a registry, e.g. {@code docker.io/library/eclipse-temurin:21-jre@sha256:...}. */
  record Registry(String reference) implements BaseImage {
    public Registry {
      if (reference == null || !reference.matches(".+@sha256:[0-9a-f]{64}")) {
        throw ImageException.badInput("Base image '" + reference + "' is not pinned by digest; "
            + "append '@sha256:<digest>' (e.g. from 'crane digest " + reference + "') in stacks/images.yaml");
      }
    }
  }

  /** A base image saved as a Docker-format tar ({@code docker save}): builds need no network. */
  record Tar(Path file) implements BaseImage {
    public Tar {
      if (file == null || !Files.isRegularFile(file)) {
        throw ImageException.badInput("Base image tar '" + file + "' does not exist; "
            + "give a 'docker save' tar with --base-tar FILE");
      }
    }
  }
}
