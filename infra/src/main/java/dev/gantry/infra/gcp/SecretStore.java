package dev.gantry.infra.gcp;

import com.pulumi.core.Output;
import com.pulumi.gcp.secretmanager.Secret;
import com.pulumi.gcp.secretmanager.SecretArgs;
import com.pulumi.gcp.secretmanager.SecretVersion;
import com.pulumi.gcp.secretmanager.SecretVersionArgs;
import com.pulumi.gcp.secretmanager.inputs.SecretReplicationArgs;
import com.pulumi.gcp.secretmanager.inputs.SecretReplicationAutoArgs;
import com.pulumi.resources.ComponentResourceOptions;
import dev.gantry.infra.GantryComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The stack's secrets in Google Secret Manager ({@code gantry:gcp:Secrets}), the GCP twin of
 * {@code dev.gantry.infra.aws.SecretStore}: the gateway master key, the Hugging Face token,
 * the gateway database URL and the Grafana admin password, each a secret named
 * {@code <prefix>-<logical name>} with automatic replication. Values come from Pulumi
 * secrets and are stored as secret versions marked secret again, so neither the plan nor the
 * state shows them. Pods read them through External Secrets with Workload Identity.
 */
public final class SecretStore extends GantryComponent {
  public static final String GATEWAY_MASTER_KEY = dev.gantry.infra.aws.SecretStore.GATEWAY_MASTER_KEY;
  public static final String HF_TOKEN = dev.gantry.infra.aws.SecretStore.HF_TOKEN;
  public static final String GATEWAY_DATABASE_URL = dev.gantry.infra.aws.SecretStore.GATEWAY_DATABASE_URL;
  public static final String GRAFANA_ADMIN = dev.gantry.infra.aws.SecretStore.GRAFANA_ADMIN;

  /**
   * @param project              GCP project id
   * @param namePrefix           secret id prefix, e.g. {@code gantry-gcp-prod} (letters, digits, '-', '_')
   * @param gatewayMasterKey     value of the master key, when set in config
   * @param hfToken              value of the Hugging Face token, when set in config
   * @param databaseUrl          the gateway's database connection URL
   * @param grafanaAdminSecretName exact id of the Grafana admin password secret
   * @param grafanaAdminPassword its value, when set in config
   * @param tags                 labels (sanitized for GCP)
   */
  public record Args(String project, String namePrefix, Optional<Output<String>> gatewayMasterKey,
      Optional<Output<String>> hfToken, Optional<Output<String>> databaseUrl, String grafanaAdminSecretName,
      Optional<Output<String>> grafanaAdminPassword, Map<String, String> tags) {
    public Args {
      Objects.requireNonNull(project, "project");
      Objects.requireNonNull(gatewayMasterKey, "gatewayMasterKey");
      Objects.requireNonNull(hfToken, "hfToken");
      Objects.requireNonNull(databaseUrl, "databaseUrl");
      Objects.requireNonNull(grafanaAdminPassword, "grafanaAdminPassword");
      tags = Map.copyOf(tags == null ? Map.of() : tags);
      for (String id : new String[] {namePrefix, grafanaAdminSecretName}) {
        if (id == null || !id.matches("[A-Za-z0-9_-]{1,200}")) {
          throw new IllegalArgumentException("Secret Manager id '" + id + "' may only hold letters, digits, '-' and '_'");
        }
      }
    }
  }

  private final Map<String, Output<String>> ids = new LinkedHashMap<>();
  private final Map<String, String> names = new LinkedHashMap<>();

  public SecretStore(String name, Args args, ComponentResourceOptions options) {
    super("gcp", "Secrets", name, options);
    secret(name, args, GATEWAY_MASTER_KEY, args.namePrefix() + "-" + GATEWAY_MASTER_KEY, args.gatewayMasterKey());
    secret(name, args, HF_TOKEN, args.namePrefix() + "-" + HF_TOKEN, args.hfToken());
    secret(name, args, GATEWAY_DATABASE_URL, args.namePrefix() + "-" + GATEWAY_DATABASE_URL, args.databaseUrl());
    secret(name, args, GRAFANA_ADMIN, args.grafanaAdminSecretName(), args.grafanaAdminPassword());
    registerOutputs(Map.of(
        "gatewayMasterKeyId", ids.get(GATEWAY_MASTER_KEY),
        "hfTokenId", ids.get(HF_TOKEN),
        "databaseUrlId", ids.get(GATEWAY_DATABASE_URL)));
  }

  private void secret(String name, Args args, String logical, String secretId, Optional<Output<String>> value) {
    var secret = new Secret(name + "-" + logical, SecretArgs.builder()
        .project(args.project())
        .secretId(secretId)
        .replication(SecretReplicationArgs.builder().auto(SecretReplicationAutoArgs.builder().build()).build())
        .labels(GcpLabels.of(args.tags(), secretId))
        .build(), child());
    value.ifPresent(v -> new SecretVersion(name + "-" + logical + "-value", SecretVersionArgs.builder()
        .secret(secret.id())
        .secretData(v.asSecret())
        .build(), child()));
    ids.put(logical, secret.id());
    names.put(logical, secretId);
  }

  /** Resource id ({@code projects/P/secrets/S}) of a secret by logical name, for IAM grants. */
  public Output<String> id(String logical) {
    return Objects.requireNonNull(ids.get(logical), () -> "no secret " + logical);
  }

  /** Secret id (the short name External Secrets refers to) by logical name. */
  public String secretId(String logical) {
    return Objects.requireNonNull(names.get(logical), () -> "no secret " + logical);
  }
}
