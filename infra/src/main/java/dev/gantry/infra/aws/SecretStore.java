package dev.gantry.infra.aws;

import com.pulumi.aws.kms.Key;
import com.pulumi.aws.secretsmanager.Secret;
import com.pulumi.aws.secretsmanager.SecretArgs;
import com.pulumi.aws.secretsmanager.SecretVersion;
import com.pulumi.aws.secretsmanager.SecretVersionArgs;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Secrets Manager secrets of a stack ({@code gantry:aws:Secrets}), encrypted with their own
 * KMS key: the gateway master key, the gateway's database URL and the Hugging Face token. Values come from Pulumi
 * secrets ({@code secure:} config); a secret without a value is created empty so an
 * operator can set it out of band ({@code aws secretsmanager put-secret-value}). In the
 * cluster, External Secrets syncs them under an IRSA role ({@link ServiceAccountRole})
 * allowed only these ARNs.
 */
public final class SecretStore extends GantryComponent {
  /** Logical names of the secrets, also the last segment of their Secrets Manager names. */
  public static final String GATEWAY_MASTER_KEY = "gateway-master-key";
  public static final String HF_TOKEN = "hf-token";
  public static final String GATEWAY_DATABASE_URL = "gateway-database-url";
  public static final String GRAFANA_ADMIN = "grafana-admin";

  /**
   * @param namePrefix        Secrets Manager name prefix, e.g. {@code gantry/prod}
   * @param gatewayMasterKey  value of the master key, when set in config
   * @param hfToken           value of the Hugging Face token, when set in config
   * @param databaseUrl       the gateway's database connection URL, when there is a database
   * @param grafanaAdminSecretName exact name of the Grafana admin password secret (a DNS label:
   *                          Kubernetes tooling refers to it by name)
   * @param grafanaAdminPassword   its value, when set in config
   * @param recoveryWindowDays days a deleted secret can be restored (7..30)
   * @param tags              tags on every resource
   */
  public record Args(String namePrefix, Optional<Output<String>> gatewayMasterKey, Optional<Output<String>> hfToken,
      Optional<Output<String>> databaseUrl, String grafanaAdminSecretName, Optional<Output<String>> grafanaAdminPassword,
      int recoveryWindowDays, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(namePrefix, "namePrefix");
      Objects.requireNonNull(gatewayMasterKey, "gatewayMasterKey");
      Objects.requireNonNull(hfToken, "hfToken");
      Objects.requireNonNull(databaseUrl, "databaseUrl");
      Objects.requireNonNull(grafanaAdminSecretName, "grafanaAdminSecretName");
      Objects.requireNonNull(grafanaAdminPassword, "grafanaAdminPassword");
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      if (recoveryWindowDays < 7 || recoveryWindowDays > 30) {
        throw new IllegalArgumentException("Secret recovery window " + recoveryWindowDays + " days must be within [7, 30]");
      }
    }
  }

  private final Map<String, Output<String>> arns = new LinkedHashMap<>();
  private final Map<String, String> names = new LinkedHashMap<>();
  private final Output<String> kmsKeyArn;

  public SecretStore(String name, Args args, ComponentResourceOptions options) {
    super("aws", "Secrets", name, options);
    var key = Kms.customerKey(name + "-key",
        "Encryption of Secrets Manager secrets under " + args.namePrefix(),
        tags(args.tags(), args.namePrefix() + "/secrets"), child());
    secret(name, args, key, GATEWAY_MASTER_KEY, "Master key of the Gantry LLM gateway admin API", args.gatewayMasterKey());
    secret(name, args, key, HF_TOKEN, "Hugging Face token for downloading gated model weights", args.hfToken());
    secret(name, args, key, GATEWAY_DATABASE_URL, "Connection URL of the gateway's usage-ledger database", args.databaseUrl());
    secret(name, args, key, GRAFANA_ADMIN, args.grafanaAdminSecretName(), "Grafana admin password",
        args.grafanaAdminPassword());
    this.kmsKeyArn = key.arn();
    registerOutputs(Map.of(
        "gatewayMasterKeyArn", arns.get(GATEWAY_MASTER_KEY),
        "hfTokenArn", arns.get(HF_TOKEN),
        "databaseUrlArn", arns.get(GATEWAY_DATABASE_URL),
        "kmsKeyArn", kmsKeyArn));
  }

  private void secret(String name, Args args, Key key, String logical, String description, Optional<Output<String>> value) {
    secret(name, args, key, logical, args.namePrefix() + "/" + logical, description, value);
  }

  private void secret(String name, Args args, Key key, String logical, String secretName, String description,
      Optional<Output<String>> value) {
    var secret = new Secret(name + "-" + logical, SecretArgs.builder()
        .name(secretName)
        .description(description)
        .kmsKeyId(key.arn())
        .recoveryWindowInDays(args.recoveryWindowDays())
        .tags(tags(args.tags(), secretName))
        .build(), child());
    value.ifPresent(v -> new SecretVersion(name + "-" + logical + "-value", SecretVersionArgs.builder()
        .secretId(secret.id())
        .secretString(v.asSecret())
        .build(), child()));
    arns.put(logical, secret.arn());
    names.put(logical, secretName);
  }

  /** Secrets Manager ARN of a secret by logical name ({@link #GATEWAY_MASTER_KEY}, {@link #HF_TOKEN}). */
  public Output<String> arn(String logical) {
    Output<String> arn = arns.get(logical);
    if (arn == null) {
      throw new IllegalArgumentException("No secret '" + logical + "'; known: " + names.keySet());
    }
    return arn;
  }

  /** Secrets Manager name of a secret by logical name. */
  public String secretName(String logical) {
    String n = names.get(logical);
    if (n == null) {
      throw new IllegalArgumentException("No secret '" + logical + "'; known: " + names.keySet());
    }
    return n;
  }

  public List<Output<String>> allArns() {
    return List.copyOf(arns.values());
  }

  public Output<String> kmsKeyArn() {
    return kmsKeyArn;
  }
}
