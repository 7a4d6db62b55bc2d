package dev.gantry.infra.k8s;

import java.util.regex.Pattern;

/**
 * Validation helpers for the workload specs. Every failure names the field, quotes the bad
 * value and says what is allowed, because these messages reach platform engineers who wrote
 * the value in a stack file.
 */
final class Check {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  // A label value that is also safe in a path: lower case, digits, '-' and '.'.
  private static final Pattern MODEL_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private static final Pattern DNS_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+");
  // Kubernetes resource quantities as the API server accepts them (e.g. 8, 500m, 32Gi, 1.5G).
  private static final Pattern QUANTITY =
      Pattern.compile("[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  private Check() {}

  static String nonBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + " is missing; set it to a non-empty value");
    }
    return value;
  }

  static String dnsLabel(String field, String value, int maxLength) {
    nonBlank(field, value);
    if (value.length() > maxLength || !DNS_LABEL.matcher(value).matches()) {
      throw new IllegalArgumentException(field + ": '" + value + "' is not a valid name; use at most "
          + maxLength + " lower-case letters, digits and '-', starting and ending with a letter or digit");
    }
    return value;
  }

  static String modelName(String field, String value, int maxLength) {
    nonBlank(field, value);
    if (value.length() > maxLength || !MODEL_NAME.matcher(value).matches() || value.contains("..")) {
      throw new IllegalArgumentException(field + ": '" + value + "' is not a valid model name; use at most "
          + maxLength + " lower-case letters, digits, '-' and '.', starting and ending with a letter or digit");
    }
    return value;
  }

  static String hostName(String field, String value) {
    nonBlank(field, value);
    if (value.length() > 253 || !DNS_NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(field + ": '" + value
          + "' is not a fully qualified DNS host name; use e.g. 'llm.example.com'");
    }
    return value;
  }

  static String quantity(String field, String value) {
    nonBlank(field, value);
    if (!QUANTITY.matcher(value).matches()) {
      throw new IllegalArgumentException(field + ": '" + value
          + "' is not a Kubernetes quantity; use e.g. '8', '500m', '32Gi'");
    }
    return value;
  }

  static String email(String field, String value) {
    nonBlank(field, value);
    if (!EMAIL.matcher(value).matches()) {
      throw new IllegalArgumentException(field + ": '" + value
          + "' is not an e-mail address; ACME needs one to send expiry notices");
    }
    return value;
  }

  static String image(String field, String value) {
    nonBlank(field, value);
    if (value.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(field + ": '" + value
          + "' is not an image reference; use e.g. 'registry/repo@sha256:<digest>'");
    }
    return value;
  }

  static int atLeast(String field, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(field + ": " + value + " must be >= " + min);
    }
    return value;
  }

  static double within(String field, double value, double minExclusive, double maxInclusive) {
    if (!(value > minExclusive && value <= maxInclusive)) {
      throw new IllegalArgumentException(field + ": " + value + " must be within ("
          + minExclusive + ", " + maxInclusive + "]");
    }
    return value;
  }
}
