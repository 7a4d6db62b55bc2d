package dev.gantry.infra.k8s;

import static dev.gantry.infra.k8s.PlanRecorder.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gantry.infra.k8s.PlanRecorder.Registered;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole workload graph under Pulumi's mock monitor: one run, many properties checked. */
class ServingWorkloadsTest {
  static final String DEPLOYMENT = "kubernetes:apps/v1:Deployment";
  static final String SERVICE = "kubernetes:core/v1:Service";
  static final String PDB = "kubernetes:policy/v1:PodDisruptionBudget";
  static final String HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
  static final String NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
  static final String RELEASE = "kubernetes:helm.sh/v3:Release";
  static final String SMALL = "gantry-engine-qwen25-7b";
  static final String BIG = "gantry-engine-llama31-70b";

  static PlanRecorder plan;

  @BeforeAll
  static void runProgram() {
    plan = PlanRecorder.run(Fixtures.args());
  }

  static Map<String, Object> podSpec(String deployment) {
    return at(plan.one(DEPLOYMENT, deployment).inputs(), "spec", "template", "spec");
  }

  static Map<String, Object> container(String deployment, String name) {
    List<Map<String, Object>> containers = at(podSpec(deployment), "containers");
    return containers.stream().filter(c -> name.equals(c.get("name"))).findFirst().orElseThrow();
  }

  @Test
  void everyKubernetesResource_usesTheCallersProvider() {
    List<Registered> kube = plan.all().stream()
        .filter(r -> r.type().startsWith("kubernetes:")).toList();
    assertThat(kube).hasSizeGreaterThan(40);
    assertThat(kube).allSatisfy(r -> assertThat(r.provider()).contains("pulumi:providers:kubernetes::cluster"));
  }

  @Test
  void components_useGantryK8sTypeTokens() {
    assertThat(plan.all().stream().filter(r -> r.type().startsWith("gantry:")).map(Registered::type))
        .contains("gantry:k8s:ServingWorkloads", "gantry:k8s:Namespaces", "gantry:k8s:ModelEngine",
            "gantry:k8s:Gateway", "gantry:k8s:NetworkPolicies", "gantry:k8s:Edge", "gantry:k8s:Monitoring",
            "gantry:k8s:SecretSync", "gantry:k8s:GpuDevicePlugin");
  }

  @Test
  void engineDeployment_requestsGpusEqualToLimitsAndTensorParallelSize() {
    Map<String, Object> resources = at(container(BIG, "engine"), "resources");
    assertThat(at(resources, "limits", "nvidia.com/gpu").toString()).isEqualTo("2");
    assertThat((Object) at(resources, "requests")).isEqualTo(at(resources, "limits"));
    assertThat(at(container(SMALL, "engine"), "resources", "limits", "nvidia.com/gpu").toString()).isEqualTo("1");
  }

  @Test
  void engineDeployment_toleratesGpuTaintAndSelectsItsPool() {
    Map<String, Object> pod = podSpec(BIG);
    assertThat((List<Object>) at(pod, "tolerations")).containsExactly(
        Map.of("key", "nvidia.com/gpu", "operator", "Equal", "value", "present", "effect", "NoSchedule"));
    assertThat((Object) at(pod, "nodeSelector")).isEqualTo(Map.of("gantry.dev/pool", "gpu-h100"));
  }

  @Test
  void engineDeployment_probesHealthWithDistinctReadinessAndLiveness() {
    Map<String, Object> engine = container(SMALL, "engine");
    assertThat((String) at(engine, "startupProbe", "httpGet", "path")).isEqualTo("/health");
    assertThat((String) at(engine, "readinessProbe", "httpGet", "path")).isEqualTo("/health");
    assertThat((String) at(engine, "livenessProbe", "httpGet", "path")).isEqualTo("/health");
    assertThat((Object) at(engine, "readinessProbe")).isNotEqualTo(at(engine, "livenessProbe"));
    // Startup budget of 600 s at a 10 s period: 60 failures allowed.
    double period = at(engine, "startupProbe", "periodSeconds");
    double failures = at(engine, "startupProbe", "failureThreshold");
    assertThat(period * failures).isGreaterThanOrEqualTo(600.0);
    double bigBudget = (double) at(container(BIG, "engine"), "startupProbe", "periodSeconds")
        * (double) at(container(BIG, "engine"), "startupProbe", "failureThreshold");
    assertThat(bigBudget).isGreaterThanOrEqualTo(1800.0);
  }

  @Test
  void engineAndGatewayPods_areHardened() {
    for (String deployment : List.of(SMALL, BIG, Labels.GATEWAY_NAME)) {
      Map<String, Object> pod = podSpec(deployment);
      assertThat((Boolean) at(pod, "automountServiceAccountToken")).as(deployment).isFalse();
      assertThat((Boolean) at(pod, "securityContext", "runAsNonRoot")).as(deployment).isTrue();
      assertThat((String) at(pod, "securityContext", "seccompProfile", "type")).isEqualTo("RuntimeDefault");
      List<Map<String, Object>> containers = new java.util.ArrayList<>(at(pod, "containers"));
      if (pod.get("initContainers") != null) {
        containers.addAll(at(pod, "initContainers"));
      }
      for (Map<String, Object> c : containers) {
        Map<String, Object> sc = at(c, "securityContext");
        assertThat(sc).as(deployment + "/" + c.get("name"))
            .containsEntry("allowPrivilegeEscalation", false)
            .containsEntry("readOnlyRootFilesystem", true)
            .containsEntry("runAsNonRoot", true);
        assertThat((List<Object>) at(sc, "capabilities", "drop")).containsExactly("ALL");
        assertThat((String) at(sc, "seccompProfile", "type")).isEqualTo("RuntimeDefault");
        assertThat((Map<String, Object>) at(c, "resources", "limits")).containsKeys("cpu", "memory");
        assertThat((Object) at(c, "resources", "requests")).isEqualTo(at(c, "resources", "limits"));
      }
    }
  }

  @Test
  void devShm_isMountedOnlyWhenTensorParallel() {
    List<Map<String, Object>> bigVolumes = at(podSpec(BIG), "volumes");
    assertThat(bigVolumes).anySatisfy(v -> {
      assertThat(v.get("name")).isEqualTo("dshm");
      assertThat((String) at(v, "emptyDir", "medium")).isEqualTo("Memory");
      assertThat((String) at(v, "emptyDir", "sizeLimit")).isEqualTo("4Gi");
    });
    assertThat((List<Map<String, Object>>) at(container(BIG, "engine"), "volumeMounts"))
        .anySatisfy(m -> assertThat(m).containsEntry("mountPath", "/dev/shm").containsEntry("name", "dshm"));
    List<Map<String, Object>> smallVolumes = at(podSpec(SMALL), "volumes");
    assertThat(smallVolumes).noneSatisfy(v -> assertThat(v.get("name")).isEqualTo("dshm"));
    assertThat((List<Map<String, Object>>) at(container(SMALL, "engine"), "volumeMounts"))
        .noneSatisfy(m -> assertThat(m.get("mountPath")).isEqualTo("/dev/shm"));
  }

  @Test
  void distributedEngines_areKeptOffEachOthersNodes() {
    assertThat((String) at(podSpec(BIG), "affinity", "podAntiAffinity",
        "requiredDuringSchedulingIgnoredDuringExecution", 0, "topologyKey")).isEqualTo("kubernetes.io/hostname");
    assertThat((Object) at(plan.one(DEPLOYMENT, BIG).inputs(), "spec", "template", "metadata", "labels",
        ModelEngine.DISTRIBUTED_LABEL)).isEqualTo("true");
    assertThat(podSpec(SMALL)).doesNotContainKey("affinity");
  }

  @Test
  void engineInitContainer_downloadsPinnedRevisionFromBucketIntoModelVolume() {
    List<Map<String, Object>> init = at(podSpec(SMALL), "initContainers");
    assertThat(init).hasSize(1);
    assertThat((String) at(init.get(0), "image")).isEqualTo(Fixtures.RCLONE_IMAGE);
    assertThat((List<Object>) at(init.get(0), "args")).contains(
        ":s3,provider=AWS,env_auth=true:gantry-models-prod/models/qwen25-7b/a09a35458c702b33eeacc393d103063234e8bc28",
        "/models/qwen25-7b");
    assertThat((List<Object>) at(container(SMALL, "engine"), "args")).startsWith("serve", "/models/qwen25-7b")
        .contains("--served-model-name=qwen2.5-7b-instruct",
            "--device=cuda", "--tensor-parallel-size=1", "--max-model-len=8192", "--enable-prefix-caching");
  }

  @Test
  void engineDeployment_spreadsOverZonesAndNeverRollsBelowCapacity() {
    Map<String, Object> deployment = plan.one(DEPLOYMENT, SMALL).inputs();
    assertThat((Object) at(deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable")).isEqualTo(0.0);
    List<Map<String, Object>> spread = at(deployment, "spec", "template", "spec", "topologySpreadConstraints");
    assertThat(spread).extracting(s -> s.get("topologyKey")).contains("topology.kubernetes.io/zone");
  }

  @Test
  void engineLabels_followTheGateContract() {
    Map<String, Object> labels = at(plan.one(DEPLOYMENT, SMALL).inputs(), "spec", "template", "metadata", "labels");
    assertThat(labels).containsEntry("app.kubernetes.io/name", "gantry-engine")
        .containsEntry("app.kubernetes.io/component", "engine")
        .containsEntry("gantry.dev/model", "qwen25-7b");
    Map<String, Object> gatewayLabels =
        at(plan.one(DEPLOYMENT, "gantry-gateway").inputs(), "spec", "template", "metadata", "labels");
    assertThat(gatewayLabels).containsEntry("app.kubernetes.io/name", "gantry-gateway")
        .containsEntry("app.kubernetes.io/component", "gateway");
  }

  @Test
  void pdbAndServiceSelectors_matchTheirDeploymentsPods() {
    for (String name : List.of(SMALL, BIG, "gantry-gateway")) {
      Map<String, Object> podLabels = at(plan.one(DEPLOYMENT, name).inputs(), "spec", "template", "metadata", "labels");
      Map<String, Object> pdbSelector = at(plan.one(PDB, name).inputs(), "spec", "selector", "matchLabels");
      Map<String, Object> serviceSelector = at(plan.one(SERVICE, name).inputs(), "spec", "selector");
      assertThat(podLabels).as(name).containsAllEntriesOf(pdbSelector).containsAllEntriesOf(serviceSelector);
      assertThat(pdbSelector).isNotEmpty();
      assertThat((Object) at(plan.one(PDB, name).inputs(), "spec", "maxUnavailable")).isEqualTo(1.0);
    }
    // A PDB of one model must not select another model's pods.
    Map<String, Object> otherPod = at(plan.one(DEPLOYMENT, BIG).inputs(), "spec", "template", "metadata", "labels");
    Map<String, Object> smallPdb = at(plan.one(PDB, SMALL).inputs(), "spec", "selector", "matchLabels");
    assertThat(otherPod.entrySet().containsAll(smallPdb.entrySet())).isFalse();
  }

  @Test
  void engineDeployment_leavesReplicasToTheHpaAndWaitsLongEnoughForWeights() {
    Map<String, Object> spec = at(plan.one(DEPLOYMENT, BIG).inputs(), "spec");
    assertThat(spec).doesNotContainKey("replicas");
    // 30 min download + 1800 s startup budget before the rollout counts as stuck.
    assertThat((Object) at(spec, "progressDeadlineSeconds")).isEqualTo(3600.0);
    var timeouts = plan.timeouts(DEPLOYMENT, BIG).orElseThrow();
    assertThat(timeouts.getCreate()).contains(java.time.Duration.ofSeconds(4200));
    assertThat(timeouts.getUpdate()).contains(java.time.Duration.ofSeconds(4200));
  }

  @Test
  void engineHpa_scalesOnQueueDepthNotCpu() {
    Map<String, Object> spec = at(plan.one(HPA, BIG).inputs(), "spec");
    assertThat((Object) at(spec, "scaleTargetRef", "name")).isEqualTo(BIG);
    assertThat((Object) at(spec, "minReplicas")).isEqualTo(2.0);
    assertThat((Object) at(spec, "maxReplicas")).isEqualTo(6.0);
    List<Map<String, Object>> metrics = at(spec, "metrics");
    assertThat(metrics).hasSize(1);
    assertThat((Object) at(metrics.get(0), "type")).isEqualTo("External");
    assertThat((Object) at(metrics.get(0), "external", "metric", "name")).isEqualTo("vllm_num_requests_waiting");
    assertThat((Object) at(metrics.get(0), "external", "metric", "selector", "matchLabels"))
        .isEqualTo(Map.of("model", "llama31-70b"));
    assertThat((Object) at(metrics.get(0), "external", "target", "averageValue")).isEqualTo("8");
  }

  @Test
  void gateway_hasTwoPlusReplicasHpaAndSecretsFromSecretRefs() {
    Map<String, Object> deployment = plan.one(DEPLOYMENT, "gantry-gateway").inputs();
    // The HPA owns the replica count; a spec.replicas would fight it on every `pulumi up`.
    assertThat((Map<String, Object>) at(deployment, "spec")).doesNotContainKey("replicas");
    Map<String, Object> gateway = container("gantry-gateway", "gateway");
    List<Map<String, Object>> env = at(gateway, "env");
    Map<String, Object> byName = env.stream().collect(Collectors.toMap(e -> (String) e.get("name"), e -> e));
    assertThat((Object) at(byName.get("LITELLM_MASTER_KEY"), "valueFrom", "secretKeyRef"))
        .isEqualTo(Map.of("name", "gantry-gateway-secrets", "key", "master-key"));
    assertThat((Object) at(byName.get("DATABASE_URL"), "valueFrom", "secretKeyRef"))
        .isEqualTo(Map.of("name", "gantry-gateway-secrets", "key", "database-url"));
    assertThat(env).allSatisfy(e -> assertThat(e.get("name").equals("HOME") || e.get("value") == null).isTrue());
    Map<String, Object> hpa = at(plan.one(HPA, "gantry-gateway").inputs(), "spec");
    assertThat((Object) at(hpa, "minReplicas")).isEqualTo(3.0);
    assertThat((Object) at(hpa, "scaleTargetRef", "name")).isEqualTo("gantry-gateway");
    assertThat((Object) at(gateway, "readinessProbe")).isNotEqualTo(at(gateway, "livenessProbe"));
  }

  @Test
  void gateway_argsUseTheGatewaysFlagSyntax_andASpoolDirOnTheWritableVolume() {
    // gantry-gateway's parser reads "--flag value"; "--config=..." would exit 2 with "unknown argument".
    assertThat((List<Object>) at(container("gantry-gateway", "gateway"), "args"))
        .containsExactly("--config", "/etc/gantry/config.yaml", "--port", "4000", "--data-dir", "/tmp/gantry-gateway");
  }

  @Test
  void gatewayConfigMap_listsEveryEngineService() {
    String yaml = at(plan.one("kubernetes:core/v1:ConfigMap", "gantry-gateway-config").inputs(), "data", "config.yaml");
    assertThat(yaml).contains("http://gantry-engine-qwen25-7b.gantry-serving.svc.cluster.local:8000/v1")
        .contains("http://gantry-engine-llama31-70b.gantry-serving.svc.cluster.local:8000/v1")
        .contains("master_key: os.environ/LITELLM_MASTER_KEY");
  }

  @Test
  void externalSecret_mapsSecretStoreKeysIntoTheGatewaySecret() {
    Map<String, Object> spec = at(plan.one("kubernetes:external-secrets.io/v1beta1:ExternalSecret",
        "gantry-gateway-secrets").inputs(), "spec");
    assertThat((Object) at(spec, "target", "name")).isEqualTo("gantry-gateway-secrets");
    assertThat((List<Map<String, Object>>) at(spec, "data")).extracting(d -> at(d, "remoteRef", "key"))
        .containsExactly("gantry/prod/master-key", "gantry/prod/database-url");
    assertThat((Object) at(plan.one("kubernetes:external-secrets.io/v1beta1:ClusterSecretStore",
        "gantry-secret-store").inputs(), "spec", "provider", "aws", "region")).isEqualTo("us-east-1");
  }

  @Test
  void ingress_terminatesTlsForTheGatewayHostWithRateLimits() {
    Map<String, Object> ingress = plan.one("kubernetes:networking.k8s.io/v1:Ingress", "gantry-gateway").inputs();
    assertThat((List<Object>) at(ingress, "spec", "tls", 0, "hosts")).containsExactly("llm.example.com");
    assertThat((Object) at(ingress, "spec", "rules", 0, "host")).isEqualTo("llm.example.com");
    assertThat((Object) at(ingress, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"))
        .isEqualTo("gantry-gateway");
    Map<String, Object> annotations = at(ingress, "metadata", "annotations");
    assertThat(annotations).containsEntry("cert-manager.io/cluster-issuer", "gantry-acme")
        .containsEntry("nginx.ingress.kubernetes.io/limit-rps", "20")
        .containsEntry("nginx.ingress.kubernetes.io/limit-connections", "20");
  }

  @Test
  void clusterIssuer_usesAcmeWithTheConfiguredEmail() {
    Map<String, Object> acme = at(plan.one("kubernetes:cert-manager.io/v1:ClusterIssuer", "gantry-acme").inputs(),
        "spec", "acme");
    assertThat(acme).containsEntry("email", "platform@example.com")
        .containsEntry("server", IngressSpec.LETS_ENCRYPT);
  }

  @Test
  void onlyTheIngressControllerGetsALoadBalancer() {
    assertThat(plan.ofType(SERVICE)).allSatisfy(s ->
        assertThat((Object) at(s.inputs(), "spec", "type")).isEqualTo("ClusterIP"));
    Map<String, Object> nginx = plan.one(RELEASE, "ingress-nginx").inputs();
    assertThat((Object) at(nginx, "values", "controller", "service", "type")).isEqualTo("LoadBalancer");
    assertThat((Object) at(nginx, "values", "controller", "service", "annotations",
        "service.beta.kubernetes.io/aws-load-balancer-type")).isEqualTo("nlb");
  }

  @Test
  void helmReleases_arePinnedAndCoverTheAddOns() {
    Map<String, String> versions = plan.ofType(RELEASE).stream().collect(Collectors.toMap(
        r -> (String) r.inputs().get("chart"), r -> (String) r.inputs().get("version")));
    assertThat(versions).containsOnlyKeys("ingress-nginx", "cert-manager", "kube-prometheus-stack",
        "prometheus-adapter", "nvidia-device-plugin", "external-secrets");
    assertThat(versions.values()).allSatisfy(v -> assertThat(v).isNotBlank());
  }

  @Test
  void devicePlugin_runsOnlyOnGantryGpuPools() {
    Map<String, Object> values = at(plan.one(RELEASE, "nvidia-device-plugin").inputs(), "values");
    assertThat((List<Object>) at(values, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
        "nodeSelectorTerms", 0, "matchExpressions", 0, "values")).containsExactly("gpu-l4", "gpu-h100");
    assertThat((List<Map<String, Object>>) at(values, "tolerations"))
        .anySatisfy(t -> assertThat(t).containsEntry("key", "nvidia.com/gpu"));
  }

  @Test
  void namespaces_carryPodSecurityLabels() {
    Map<String, Object> serving = at(plan.one("kubernetes:core/v1:Namespace", "gantry-serving").inputs(),
        "metadata", "labels");
    assertThat(serving).containsEntry("pod-security.kubernetes.io/enforce", "restricted");
    assertThat(plan.ofType("kubernetes:core/v1:Namespace")).hasSize(4).allSatisfy(ns ->
        assertThat((Map<String, Object>) at(ns.inputs(), "metadata", "labels"))
            .containsKey("pod-security.kubernetes.io/enforce"));
  }

  @Test
  void serviceMonitors_scrapeEngineAndGatewayMetrics() {
    String type = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
    Map<String, Object> engine = at(plan.one(type, "gantry-engine").inputs(), "spec");
    assertThat((Object) at(engine, "selector", "matchLabels")).isEqualTo(Labels.allEngines());
    assertThat((Object) at(engine, "endpoints", 0, "path")).isEqualTo("/metrics");
    assertThat((Object) at(engine, "endpoints", 0, "relabelings", 0, "targetLabel")).isEqualTo("model");
    Map<String, Object> gateway = at(plan.one(type, "gantry-gateway").inputs(), "spec");
    assertThat((Map<String, Object>) at(gateway, "selector", "matchLabels"))
        .containsEntry("app.kubernetes.io/name", "gantry-gateway");
    // The engine Services expose the port the monitors name.
    assertThat((Object) at(plan.one(SERVICE, SMALL).inputs(), "spec", "ports", 0, "name")).isEqualTo("http");
  }

  @Test
  void prometheusRule_definesTheServingAlerts() {
    List<Map<String, Object>> groups = at(plan.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule",
        "gantry-serving-alerts").inputs(), "spec", "groups");
    List<Map<String, Object>> rules = groups.stream()
        .flatMap(g -> ((List<Map<String, Object>>) g.get("rules")).stream()).toList();
    assertThat(rules).extracting(r -> r.get("alert")).contains(
        "GantryEngineP99LatencyHigh", "GantryEngineP99TimeToFirstTokenHigh", "GantryEngineKvCacheSaturated",
        "GantryEngineQueueDepthHigh", "GantryEnginePreemptionRateHigh", "GantryEngineReplicasDown",
        "GantryGatewayReplicasDown");
    String exprs = rules.stream().map(r -> (String) r.get("expr")).collect(Collectors.joining("\n"));
    assertThat(exprs).contains("vllm:e2e_request_latency_seconds_bucket", "vllm:time_to_first_token_seconds_bucket",
        "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "vllm:num_requests_waiting",
        "vllm:num_preemptions_total");
    Map<String, Object> kv = rules.stream().filter(r -> r.get("alert").equals("GantryEngineKvCacheSaturated"))
        .findFirst().orElseThrow();
    assertThat(kv).containsEntry("for", "5m");
    assertThat((String) kv.get("expr")).endsWith("> 0.95");
  }

  @Test
  void dashboards_areConfigMapsLabelledForGrafana() {
    List<Registered> dashboards = plan.ofType("kubernetes:core/v1:ConfigMap").stream()
        .filter(c -> "1".equals(((Map<?, ?>) at(c.inputs(), "metadata", "labels")).get("grafana_dashboard"))).toList();
    assertThat(dashboards).hasSize(2);
    String engines = at(plan.one("kubernetes:core/v1:ConfigMap", "gantry-engines-dashboard").inputs(),
        "data", "gantry-engines.json");
    assertThat(engines).contains("vllm:time_to_first_token_seconds_bucket", "vllm:num_requests_waiting");
  }

  @Test
  void crdObjects_dependOnTheReleaseThatInstallsTheirCrds() {
    String kps = RELEASE + "/kube-prometheus-stack";
    assertThat(plan.dependsOn("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "gantry-engine")).contains(kps);
    assertThat(plan.dependsOn("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "gantry-gateway")).contains(kps);
    assertThat(plan.dependsOn("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "gantry-serving-alerts"))
        .contains(kps);
    assertThat(plan.dependsOn("kubernetes:cert-manager.io/v1:ClusterIssuer", "gantry-acme"))
        .contains(RELEASE + "/cert-manager");
    assertThat(plan.dependsOn("kubernetes:external-secrets.io/v1beta1:ClusterSecretStore", "gantry-secret-store"))
        .contains(RELEASE + "/external-secrets");
    // Charts that ship their own ServiceMonitors need the Prometheus Operator CRDs first.
    assertThat(plan.dependsOn(RELEASE, "ingress-nginx")).contains(kps);
  }

  @Test
  void workloads_waitForTheirNamespaceAndGpuEnginesForTheDevicePlugin() {
    assertThat(plan.dependsOn(DEPLOYMENT, SMALL)).contains("kubernetes:core/v1:Namespace/gantry-serving",
        RELEASE + "/nvidia-device-plugin");
    assertThat(plan.dependsOn(DEPLOYMENT, "gantry-gateway")).contains(
        "kubernetes:external-secrets.io/v1beta1:ExternalSecret/gantry-gateway-secrets");
  }

  @Test
  void networkPolicies_denyByDefaultAndAllowOnlyTheServingPaths() {
    Map<String, Object> deny = at(plan.one(NETPOL, "gantry-default-deny").inputs(), "spec");
    assertThat((Map<String, Object>) at(deny, "podSelector")).isEmpty();
    assertThat((List<Object>) at(deny, "policyTypes")).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(deny).doesNotContainKeys("ingress", "egress");

    Map<String, Object> gatewayIn = at(plan.one(NETPOL, "gantry-gateway-ingress").inputs(), "spec");
    assertThat((Object) at(gatewayIn, "podSelector", "matchLabels")).isEqualTo(Labels.gatewaySelector());
    assertThat((Object) at(gatewayIn, "ingress", 0, "from", 0, "namespaceSelector", "matchLabels"))
        .isEqualTo(Map.of("kubernetes.io/metadata.name", "ingress-nginx"));
    assertThat((Object) at(gatewayIn, "ingress", 0, "ports", 0, "port")).isEqualTo(4000.0);

    Map<String, Object> engineIn = at(plan.one(NETPOL, "gantry-engine-ingress").inputs(), "spec");
    assertThat((Object) at(engineIn, "podSelector", "matchLabels")).isEqualTo(Labels.allEngines());
    assertThat((Object) at(engineIn, "ingress", 0, "from", 0, "podSelector", "matchLabels"))
        .isEqualTo(Labels.gatewaySelector());
    assertThat((Object) at(engineIn, "ingress", 1, "from", 0, "namespaceSelector", "matchLabels"))
        .isEqualTo(Map.of("kubernetes.io/metadata.name", "monitoring"));
    assertThat((Object) at(engineIn, "ingress", 0, "ports", 0, "port")).isEqualTo(8000.0);

    // Node credentials stay out of reach of engine pods on AWS.
    Map<String, Object> engineOut = at(plan.one(NETPOL, "gantry-engine-egress").inputs(), "spec");
    assertThat((List<Object>) at(engineOut, "egress", 0, "to", 0, "ipBlock", "except"))
        .containsExactly("169.254.169.254/32");
    assertThat((List<Object>) at(engineOut, "egress")).hasSize(1);
  }
}
