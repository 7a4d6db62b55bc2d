package dev.gantry.stacks.images;

import java.nio.file.Path;

/** Where a built image goes: a Docker-format tar on disk, or a registry. */
public sealed interface ImageTarget {
  /** The image reference the target is named by, e.g. {@code registry.example.com/gantry/engine:0.1.0}. */
  String reference();

  /** A tar loadable with {@code docker load}, named {@code reference}. */
  record Tar(Path file, String reference) implements ImageTarget {}

  /** A registry push; credentials come from {@link RegistryCredentials}. */
  record Registry(String reference) implements ImageTarget {}
}
