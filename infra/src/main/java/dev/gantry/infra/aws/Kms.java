package dev.gantry.infra.aws;

import com.pulumi.aws.kms.Key;
import com.pulumi.aws.kms.KeyArgs;
import com.pulumi.resources.CustomResourceOptions;
import java.util.Map;

/** Customer-managed KMS keys: one per component, so revoking one key never locks out another. */
final class Kms {
  /** Days a scheduled key deletion can still be cancelled; the maximum, since data under it is lost. */
  static final int DELETION_WINDOW_DAYS = 30;

  /** A symmetric key with yearly automatic rotation. */
  static Key customerKey(String name, String description, Map<String, String> tags, CustomResourceOptions options) {
    return new Key(name, KeyArgs.builder()
        .description(description)
        .enableKeyRotation(true)
        .deletionWindowInDays(DELETION_WINDOW_DAYS)
        .tags(tags)
        .build(), options);
  }

  private Kms() {}
}
