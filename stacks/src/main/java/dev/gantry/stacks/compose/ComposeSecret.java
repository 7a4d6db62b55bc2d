package dev.gantry.stacks.compose;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One secret of a compose project: a file under {@code secrets/} that compose bind-mounts at
 * {@code /run/secrets/NAME}. Gantry never writes a value into the compose file or its
 * environment; it either tells the operator how to create the file, or (with
 * {@code --generate-secrets}) writes a random value with mode 0600, for the secrets it can
 * invent (never a credential issued by someone else, such as a Hugging Face token).
 *
 * @param name        compose secret name, also the file name under {@code secrets/}
 * @param purpose     what reads it, for the summary
 * @param howToCreate a shell command that creates the file, run from the output directory
 * @param randomBytes bytes of randomness when Gantry may generate it, 0 when it may not
 * @param prefix      prefix of a generated value (e.g. {@code sk-}, the gateway key convention)
 */
public record ComposeSecret(String name, String purpose, String howToCreate, int randomBytes, String prefix) {
  private static final SecureRandom RANDOM = new SecureRandom();

  public ComposeSecret {
    if (name == null || !name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("Secret name '" + name + "' must be lower-case letters, digits and '_'");
    }
    if (randomBytes < 0) {
      throw new IllegalArgumentException("Secret " + name + ": randomBytes " + randomBytes + " must be >= 0");
    }
    prefix = prefix == null ? "" : prefix;
  }

  /** Path of the file relative to the output directory, as the compose file names it. */
  public String file() {
    return "secrets/" + name;
  }

  /** Path inside a container that uses the secret. */
  public String containerPath() {
    return "/run/secrets/" + name;
  }

  /** True when Gantry may generate a random value for it. */
  public boolean generated() {
    return randomBytes > 0;
  }

  /** A fresh random value (hex, URL- and shell-safe), or empty when this secret must come from its issuer. */
  public Optional<String> randomValue() {
    if (!generated()) {
      return Optional.empty();
    }
    byte[] bytes = new byte[randomBytes];
    RANDOM.nextBytes(bytes);
    return Optional.of(prefix + HexFormat.of().formatHex(bytes));
  }
}
