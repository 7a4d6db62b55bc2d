package dev.gantry.infra.aws;

/**
 * An IPv4 CIDR block with the one operation a VPC layout needs: carving the
 * {@code index}-th subnet of a given prefix length out of it.
 *
 * @param base   network address as an unsigned 32-bit value
 * @param prefix prefix length, 0..32
 */
public record Cidr(long base, int prefix) {
  public Cidr {
    if (prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("CIDR prefix /" + prefix + " must be within [0, 32]");
    }
    long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    if ((base & ~mask & 0xFFFFFFFFL) != 0) {
      throw new IllegalArgumentException("CIDR '" + format(base) + "/" + prefix
          + "' has host bits set; use '" + format(base & mask) + "/" + prefix + "'");
    }
  }

  /** Parses {@code a.b.c.d/n}; the message quotes the bad input. */
  public static Cidr parse(String text) {
    String[] parts = text.split("/");
    String[] octets = parts[0].split("\\.");
    if (parts.length != 2 || octets.length != 4) {
      throw new IllegalArgumentException("'" + text + "' is not an IPv4 CIDR block like '10.0.0.0/16'");
    }
    try {
      long base = 0;
      for (String octet : octets) {
        int v = Integer.parseInt(octet);
        if (v < 0 || v > 255) {
          throw new NumberFormatException();
        }
        base = (base << 8) | v;
      }
      return new Cidr(base, Integer.parseInt(parts[1]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not an IPv4 CIDR block like '10.0.0.0/16'");
    }
  }

  /** The {@code index}-th block of length {@code newPrefix} inside this one. */
  public Cidr subnet(int newPrefix, int index) {
    if (newPrefix < prefix || newPrefix > 32) {
      throw new IllegalArgumentException("Cannot carve a /" + newPrefix + " out of " + this);
    }
    long count = 1L << (newPrefix - prefix);
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException(this + " has only " + count + " /" + newPrefix + " subnets; index " + index + " is out of range");
    }
    return new Cidr(base + ((long) index << (32 - newPrefix)), newPrefix);
  }

  @Override
  public String toString() {
    return format(base) + "/" + prefix;
  }

  private static String format(long v) {
    return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
  }
}
