package dev.gantry.stacks.images;

/** Small helpers over image reference strings ({@code host[:port]/path[:tag][@digest]}). */
final class ImageRefs {
  private ImageRefs() {}

  /** The reference without tag and digest. */
  static String repository(String reference) {
    String ref = reference;
    int at = ref.indexOf('@');
    if (at >= 0) {
      ref = ref.substring(0, at);
    }
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    return colon > slash ? ref.substring(0, colon) : ref;
  }

  /** The registry host of a fully qualified reference, or null when the first part is not a host. */
  static String registry(String reference) {
    int slash = reference.indexOf('/');
    if (slash < 0) {
      return null;
    }
    String first = reference.substring(0, slash);
    return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : null;
  }
}
