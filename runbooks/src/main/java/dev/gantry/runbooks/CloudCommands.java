package dev.gantry.runbooks;

/**
 * The cloud CLI commands a runbook prints, per cloud: how to get a kubeconfig, restore the
 * database to a point in time, list a bucket's object versions, read a secret. Every method
 * takes the stack's real identifiers, so the printed commands run as they are.
 */
sealed interface CloudCommands {

  /** The commands for a cloud name as found in the serving spec ({@code aws}, {@code gcp}, {@code azure}). */
  static CloudCommands of(String cloud, String region, String resourceGroup) {
    return switch (cloud) {
      case "aws" -> new Aws(region);
      case "gcp" -> new Gcp(region);
      case "azure" -> new Azure(resourceGroup == null ? "gantry" : resourceGroup);
      case "none" -> new ExistingCluster();
      default -> new Generic(cloud);
    };
  }

  /** Short name of the managed Kubernetes service, e.g. {@code EKS}. */
  String kubernetesService();

  /** Short name of the managed database service. */
  String databaseService();

  /** The cloud's CLI, for prerequisites. */
  String cli();

  String kubeconfig(String cluster);

  String pointInTimeRestore(String database);

  String listBackups(String database);

  String failover(String database);

  String bucketUrl(String bucket);

  String listVersions(String bucket, String prefix);

  String restoreVersion(String bucket, String key);

  String readSecret(String name);

  String listImages(String repository);

  /** AWS: EKS, RDS, S3, Secrets Manager, ECR. */
  record Aws(String region) implements CloudCommands {
    public String kubernetesService() { return "EKS"; }

    public String databaseService() { return "RDS for PostgreSQL"; }

    public String cli() { return "AWS CLI v2 (`aws`), credentials for the stack's account"; }

    public String kubeconfig(String cluster) {
      return "aws eks update-kubeconfig --name " + cluster + " --region " + region;
    }

    public String pointInTimeRestore(String db) {
      return "aws rds restore-db-instance-to-point-in-time --region " + region + " --source-db-instance-identifier " + db
          + " --target-db-instance-identifier " + db + "-restore --restore-time \"$RESTORE_TIME\"  # or --use-latest-restorable-time";
    }

    public String listBackups(String db) {
      return "aws rds describe-db-instance-automated-backups --region " + region + " --db-instance-identifier " + db
          + "\naws rds describe-db-snapshots --region " + region + " --db-instance-identifier " + db;
    }

    public String failover(String db) {
      return "aws rds reboot-db-instance --region " + region + " --db-instance-identifier " + db + " --force-failover";
    }

    public String bucketUrl(String bucket) { return "s3://" + bucket; }

    public String listVersions(String bucket, String prefix) {
      return "aws s3api list-object-versions --bucket " + bucket + " --prefix " + prefix
          + " --query 'Versions[].[Key,VersionId,LastModified,IsLatest]' --output table";
    }

    public String restoreVersion(String bucket, String key) {
      return "aws s3api copy-object --bucket " + bucket + " --key " + key + " --copy-source \"" + bucket + "/" + key
          + "?versionId=$VERSION_ID\"";
    }

    public String readSecret(String name) {
      return "aws secretsmanager get-secret-value --region " + region + " --secret-id " + name
          + " --query SecretString --output text";
    }

    public String listImages(String repository) {
      String repo = repository.contains("/") && repository.contains(".amazonaws.com/")
          ? repository.substring(repository.indexOf(".amazonaws.com/") + ".amazonaws.com/".length()) : repository;
      return "aws ecr describe-images --region " + region + " --repository-name " + repo
          + " --query 'sort_by(imageDetails,&imagePushedAt)[-5:].[imageTags[0],imageDigest,imagePushedAt]' --output table";
    }
  }

  /** GCP: GKE, Cloud SQL, Cloud Storage, Secret Manager, Artifact Registry. */
  record Gcp(String region) implements CloudCommands {
    public String kubernetesService() { return "GKE"; }

    public String databaseService() { return "Cloud SQL for PostgreSQL"; }

    public String cli() { return "Google Cloud CLI (`gcloud`), credentials for the stack's project"; }

    public String kubeconfig(String cluster) {
      return "gcloud container clusters get-credentials " + cluster + " --region " + region;
    }

    public String pointInTimeRestore(String db) {
      return "gcloud sql instances clone " + db + " " + db + "-restore --point-in-time \"$RESTORE_TIME\"";
    }

    public String listBackups(String db) {
      return "gcloud sql backups list --instance " + db;
    }

    public String failover(String db) {
      return "gcloud sql instances failover " + db;
    }

    public String bucketUrl(String bucket) { return "gs://" + bucket; }

    public String listVersions(String bucket, String prefix) {
      return "gcloud storage ls --all-versions --long gs://" + bucket + "/" + prefix + "**";
    }

    public String restoreVersion(String bucket, String key) {
      return "gcloud storage cp \"gs://" + bucket + "/" + key + "#$GENERATION\" gs://" + bucket + "/" + key;
    }

    public String readSecret(String name) {
      return "gcloud secrets versions access latest --secret " + name;
    }

    public String listImages(String repository) {
      return "gcloud artifacts docker images list " + repository + " --include-tags --sort-by=~UPDATE_TIME --limit 5";
    }
  }

  /** Azure: AKS, Database for PostgreSQL flexible server, Blob Storage, Key Vault, ACR. */
  record Azure(String resourceGroup) implements CloudCommands {
    public String kubernetesService() { return "AKS"; }

    public String databaseService() { return "Azure Database for PostgreSQL"; }

    public String cli() { return "Azure CLI (`az`), logged in to the stack's subscription"; }

    public String kubeconfig(String cluster) {
      return "az aks get-credentials --resource-group " + resourceGroup + " --name " + cluster;
    }

    public String pointInTimeRestore(String db) {
      return "az postgres flexible-server restore --resource-group " + resourceGroup + " --source-server " + db
          + " --name " + db + "-restore --restore-time \"$RESTORE_TIME\"";
    }

    public String listBackups(String db) {
      return "az postgres flexible-server backup list --resource-group " + resourceGroup + " --name " + db;
    }

    public String failover(String db) {
      return "az postgres flexible-server restart --resource-group " + resourceGroup + " --name " + db + " --failover Forced";
    }

    public String bucketUrl(String bucket) { return "https://" + bucket + ".blob.core.windows.net"; }

    public String listVersions(String bucket, String prefix) {
      return "az storage blob list --auth-mode login --account-name " + bucket + " --container-name models --prefix " + prefix
          + " --include v --output table";
    }

    public String restoreVersion(String bucket, String key) {
      return "az storage blob copy start --auth-mode login --account-name " + bucket + " --destination-container models"
          + " --destination-blob " + key + " --source-uri \"https://" + bucket + ".blob.core.windows.net/models/" + key
          + "?versionid=$VERSION_ID\"";
    }

    public String readSecret(String name) {
      return "az keyvault secret show --vault-name VAULT --name " + name + " --query value --output tsv";
    }

    public String listImages(String repository) {
      return "az acr repository show-tags --name " + repository.split("\\.")[0] + " --repository "
          + (repository.contains("/") ? repository.substring(repository.indexOf('/') + 1) : repository) + " --orderby time_desc --top 5";
    }
  }

  /** A cloud Gantry has no commands for: the runbook says so instead of printing wrong ones. */
  record Generic(String cloud) implements CloudCommands {
    private String none(String what) {
      return "# no " + what + " command known for cloud '" + cloud + "': use the provider's console or CLI";
    }

    public String kubernetesService() { return "Kubernetes"; }

    public String databaseService() { return "PostgreSQL"; }

    public String cli() { return "the CLI of cloud '" + cloud + "'"; }

    public String kubeconfig(String cluster) { return none("kubeconfig"); }

    public String pointInTimeRestore(String db) { return none("point-in-time restore"); }

    public String listBackups(String db) { return none("backup listing"); }

    public String failover(String db) { return none("database failover"); }

    public String bucketUrl(String bucket) { return bucket; }

    public String listVersions(String bucket, String prefix) { return none("object version listing"); }

    public String restoreVersion(String bucket, String key) { return none("object version restore"); }

    public String readSecret(String name) { return none("secret read"); }

    public String listImages(String repository) { return none("image listing"); }
  }

  /**
   * A stack on an existing cluster ({@code gantry:cloud: none}, the dev stack): the cluster is a
   * kubeconfig context, the database is CloudNativePG in the cluster, weights come from Hugging
   * Face and secrets are Kubernetes Secrets.
   */
  record ExistingCluster() implements CloudCommands {
    public String kubernetesService() { return "Kubernetes (existing cluster)"; }

    public String databaseService() { return "CloudNativePG"; }

    public String cli() { return "kubectl"; }

    public String kubeconfig(String context) { return "kubectl config use-context " + context; }

    public String pointInTimeRestore(String db) { return "# no backups: the in-cluster PostgreSQL '" + db + "' has no object store"; }

    public String listBackups(String db) { return pointInTimeRestore(db); }

    public String failover(String db) { return "kubectl cnpg promote " + db + " <replica-pod>   # kubectl plugin of CloudNativePG"; }

    public String bucketUrl(String bucket) { return bucket; }

    public String listVersions(String bucket, String prefix) { return "# weights come from Hugging Face at a pinned commit"; }

    public String restoreVersion(String bucket, String key) { return listVersions(bucket, key); }

    public String readSecret(String name) {
      return "kubectl -n gantry-serving get secret " + name + " -o jsonpath='{.data.master-key}' | base64 -d";
    }

    public String listImages(String repository) { return "# images live in the registry you pushed them to: " + repository; }
  }
}
