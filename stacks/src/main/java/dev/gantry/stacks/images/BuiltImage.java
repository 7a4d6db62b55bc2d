package dev.gantry.stacks.images;

/**
 * The result of one build.
 *
 * @param name      image name ({@code engine}, {@code gateway})
 * @param reference the target reference, e.g. {@code registry.example.com/gantry/engine:0.1.0}
 * @param digest    manifest digest {@code sha256:...}: what a deployment pins
 * @param imageId   config digest {@code sha256:...} (what {@code docker images} shows)
 * @param pushed    true when the image went to a registry
 */
public record BuiltImage(String name, String reference, String digest, String imageId, boolean pushed) {
  public BuiltImage {
    if (!digest.matches("sha256:[0-9a-f]{64}")) {
      throw new IllegalArgumentException("digest '" + digest + "' is not sha256:<64 hex>");
    }
  }

  /** {@code repository@sha256:...}: the reference without its tag, pinned by digest. */
  public String pinnedReference() {
    return ImageRefs.repository(reference) + "@" + digest;
  }
}
