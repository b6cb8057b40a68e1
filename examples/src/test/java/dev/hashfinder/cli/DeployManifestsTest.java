package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The Kubernetes manifests in {@code deploy/}, which cannot run here: they parse, the front finds
 * the backends through their headless Service, every probe and Service port meets a container
 * port, and every container's arguments are a command line {@code hashfinder.jar} accepts. And
 * they are secure as shipped: TLS from Secrets cert-manager makes, a token the front alone holds
 * for the backends and tokens for the front's clients, a NetworkPolicy that admits only the front
 * to the backends and only the scraper's namespace to the metrics port, and backends whose share
 * per caller fits a front that is their one caller. The tree of fronts in {@code
 * deploy/kubernetes-tree} fits together the same way, one level further.
 */
class DeployManifestsTest {
  private static final Path KUBERNETES = Path.of("../deploy/kubernetes");
  private static final List<String> FILES =
      List.of("namespace.yaml", "certificates.yaml", "backends.yaml", "front.yaml");
  private static final String BACKEND = "hashfinder-backend";
  private static final String FRONT = "hashfinder-front";

  private static List<Map<String, Object>> documents() throws IOException {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (String file : FILES) {
      try (Reader reader = Files.newBufferedReader(KUBERNETES.resolve(file))) {
        for (Object document : new Yaml().loadAll(reader)) {
          documents.add(map(document));
        }
      }
    }
    return documents;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    return (List<Object>) value;
  }

  private static Map<String, Object> find(List<Map<String, Object>> documents, String kind,
      String name) {
    return documents.stream()
        .filter(d -> kind.equals(d.get("kind"))
            && name.equals(map(d.get("metadata")).get("name")))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  private static Map<String, Object> container(Map<String, Object> deployment) {
    Map<String, Object> pod = map(map(map(deployment.get("spec")).get("template")).get("spec"));
    return map(list(pod.get("containers")).get(0));
  }

  private static List<String> args(Map<String, Object> deployment) {
    return list(container(deployment).get("args")).stream().map(String::valueOf).toList();
  }

  @Test
  void theKustomizationListsEveryManifest() throws IOException {
    try (Reader reader = Files.newBufferedReader(KUBERNETES.resolve("kustomization.yaml"))) {
      Map<String, Object> kustomization = map(new Yaml().load(reader));
      assertThat(list(kustomization.get("resources"))).containsExactlyInAnyOrderElementsOf(FILES);
    }
  }

  @Test
  void theFront_resolvesTheHeadlessServiceOfTheBackends() throws IOException {
    List<Map<String, Object>> documents = documents();
    Map<String, Object> backends = find(documents, "Service", "hashfinder-backends");
    Map<String, Object> spec = map(backends.get("spec"));
    int port = (Integer) map(list(spec.get("ports")).get(0)).get("port");

    assertThat(spec.get("clusterIP")).isEqualTo("None");
    assertThat(map(spec.get("selector"))).isEqualTo(map(map(map(map(
        find(documents, "Deployment", "hashfinder-backend").get("spec")).get("template"))
        .get("metadata")).get("labels")));
    List<String> front = args(find(documents, "Deployment", "hashfinder-front"));
    assertThat(front.get(front.indexOf("--backends") + 1))
        .isEqualTo("dns:///hashfinder-backends:" + port);
  }

  @Test
  void everyProbeAndServicePort_meetsAContainerPort() throws IOException {
    List<Map<String, Object>> documents = documents();
    for (String name : List.of(BACKEND, FRONT)) {
      Map<String, Object> container = container(find(documents, "Deployment", name));
      for (String probe : List.of("readinessProbe", "livenessProbe")) {
        if (container.containsKey(probe)) {
          Object port = map(map(container.get(probe)).get("tcpSocket")).get("port");
          assertThat(containerPort(container, port)).as(name + " " + probe).isPositive();
        }
      }
      List<String> args = args(find(documents, "Deployment", name));
      assertThat(containerPort(container, "grpc")).as(name)
          .isEqualTo(Integer.parseInt(flag(args, "--port")));
    }
    for (Map<String, Object> service : kind(documents, "Service")) {
      Map<String, Object> deployment = deploymentSelectedBy(documents,
          map(map(service.get("spec")).get("selector")));
      for (Object port : list(map(service.get("spec")).get("ports"))) {
        assertThat(containerPort(container(deployment), map(port).get("targetPort")))
            .as("Service port %s", map(port).get("name")).isPositive();
      }
    }
  }

  @Test
  void everyServer_servesTls_withACertificateCertManagerMakes_inPkcs8() throws IOException {
    List<Map<String, Object>> documents = documents();
    for (String name : List.of(BACKEND, FRONT)) {
      Map<String, Object> deployment = find(documents, "Deployment", name);
      List<String> args = args(deployment);

      String certificateSecret = secretHolding(deployment, flag(args, "--tls-cert"));

      assertThat(secretHolding(deployment, flag(args, "--tls-key"))).isEqualTo(certificateSecret);
      Map<String, Object> certificate = certificateFor(documents, certificateSecret);
      assertThat(map(map(certificate.get("spec")).get("privateKey")).get("encoding"))
          .as("grpc-java reads PKCS#8 keys").isEqualTo("PKCS8");
    }
    List<String> front = args(find(documents, "Deployment", FRONT));
    String backendHost = flag(front, "--backends").replaceFirst("^dns:///", "")
        .replaceFirst(":\\d+$", "");
    Map<String, Object> backendCertificate = certificateFor(documents,
        secretHolding(find(documents, "Deployment", BACKEND),
            flag(args(find(documents, "Deployment", BACKEND)), "--tls-cert")));
    assertThat(list(map(backendCertificate.get("spec")).get("dnsNames")))
        .as("the name the front checks the backends' certificate against").contains(backendHost);
    Map<String, Object> trusted = certificateFor(documents,
        secretHolding(find(documents, "Deployment", FRONT), flag(front, "--backend-tls-ca")));
    assertThat(map(map(trusted.get("spec")).get("issuerRef")))
        .as("the front trusts the CA that signed the backends' certificate")
        .isEqualTo(map(map(backendCertificate.get("spec")).get("issuerRef")));
  }

  @Test
  void theBackends_takeOnlyTheFrontsToken_andTheFront_takesItsClientsTokens() throws IOException {
    List<Map<String, Object>> documents = documents();
    Map<String, Object> backend = find(documents, "Deployment", BACKEND);
    Map<String, Object> front = find(documents, "Deployment", FRONT);

    String backendTokens = secretHolding(backend, flag(args(backend), "--token-file"));
    String frontsOwn = secretHolding(front, flag(args(front), "--backend-token-file"));
    String clientTokens = secretHolding(front, flag(args(front), "--token-file"));

    assertThat(frontsOwn).isEqualTo(backendTokens);
    assertThat(clientTokens).isNotEqualTo(backendTokens);
  }

  @Test
  void aNetworkPolicy_admitsOnlyTheFront_toTheBackends() throws IOException {
    List<Map<String, Object>> documents = documents();
    Map<String, Object> policy = policyFor(documents, podLabels(find(documents, "Deployment",
        BACKEND)));
    List<Object> rules = list(map(policy.get("spec")).get("ingress"));

    assertThat(list(map(policy.get("spec")).get("policyTypes"))).contains("Ingress");
    assertThat(rules).singleElement().satisfies(rule -> {
      assertThat(list(map(rule).get("from"))).singleElement().isEqualTo(Map.of("podSelector",
          Map.of("matchLabels", podLabels(find(documents, "Deployment", FRONT)))));
      assertThat(list(map(rule).get("ports")))
          .containsExactly(Map.of("protocol", "TCP", "port", "grpc"));
    });
  }

  @Test
  void theMetricsPort_isOpenOnlyToTheScrapersNamespace() throws IOException {
    List<Map<String, Object>> documents = documents();
    Map<String, Object> front = find(documents, "Deployment", FRONT);
    List<String> args = args(front);
    assertThat(containerPort(container(front), "metrics"))
        .isEqualTo(Integer.parseInt(flag(args, "--metrics-port")));
    Map<String, Object> policy = policyFor(documents, podLabels(front));
    assertThat(list(map(policy.get("spec")).get("policyTypes"))).contains("Ingress");

    for (Object rule : list(map(policy.get("spec")).get("ingress"))) {
      List<Object> ports = list(map(rule).get("ports"));
      assertThat(ports).as("a rule without ports admits every port").isNotNull().isNotEmpty();
      boolean metrics = ports.stream().map(port -> map(port).get("port"))
          .anyMatch(port -> port.equals("metrics") || port.equals(9464));
      if (metrics) {
        assertThat(ports).hasSize(1);
        assertThat(list(map(rule).get("from"))).as("who reaches the metrics port").isNotNull()
            .isNotEmpty().allSatisfy(peer -> assertThat(map(peer).keySet())
                .containsExactly("namespaceSelector"));
      }
    }
    assertThat(list(map(policy.get("spec")).get("ingress"))).anySatisfy(rule -> assertThat(
        list(map(rule).get("ports"))).containsExactly(Map.of("protocol", "TCP", "port", "grpc")));
  }

  @Test
  void theBackendsShare_fitsAFrontThatIsTheirOneCaller() throws IOException {
    List<Map<String, Object>> documents = documents();
    List<String> backend = args(find(documents, "Deployment", BACKEND));
    List<String> front = args(find(documents, "Deployment", FRONT));

    int slots = Integer.parseInt(flag(backend, "--max-concurrent-rpcs"));
    int share = Integer.parseInt(flag(backend, "--max-rpcs-per-client"));
    int frontSearches = Integer.parseInt(flag(front, "--max-concurrent-rpcs"));

    assertThat(share).isEqualTo(slots);
    assertThat(share).as("two ranges per search on each backend")
        .isGreaterThanOrEqualTo(2 * frontSearches);
  }

  @Test
  void everyContainer_runsWithoutRoot_privilegeEscalation_orTheApiToken() throws IOException {
    for (Map<String, Object> deployment : kind(documents(), "Deployment")) {
      Map<String, Object> pod =
          map(map(map(deployment.get("spec")).get("template")).get("spec"));
      Map<String, Object> security = map(container(deployment).get("securityContext"));

      assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
      assertThat(security.get("runAsNonRoot")).isEqualTo(true);
      assertThat(security.get("allowPrivilegeEscalation")).isEqualTo(false);
      assertThat(list(map(security.get("capabilities")).get("drop"))).containsExactly("ALL");
    }
  }

  private static final Path TREE = Path.of("../deploy/kubernetes-tree");

  private static List<Map<String, Object>> treeDocuments() throws IOException {
    List<Map<String, Object>> documents = new ArrayList<>(documents());
    for (String file : List.of("middles.yaml", "group-g0.yaml")) {
      try (Reader reader = Files.newBufferedReader(TREE.resolve(file))) {
        for (Object document : new Yaml().loadAll(reader)) {
          documents.add(map(document));
        }
      }
    }
    return documents;
  }

  /** The headless Service a {@code dns:///NAME:50051} target names, and what it selects. */
  private static Map<String, Object> resolvedDeployment(List<Map<String, Object>> documents,
      String target) {
    String name = target.substring("dns:///".length(), target.lastIndexOf(':'));
    Map<String, Object> service = map(find(documents, "Service", name).get("spec"));
    assertThat(service.get("clusterIP")).as(name + " is headless").isEqualTo("None");
    return deploymentSelectedBy(documents, map(service.get("selector")));
  }

  @Test
  void theTree_rootDealsToTheMiddleFronts_whichDealToTheirGroupsLeaves() throws IOException {
    List<Map<String, Object>> documents = treeDocuments();
    Map<String, Object> kustomization;
    try (Reader reader = Files.newBufferedReader(TREE.resolve("kustomization.yaml"))) {
      kustomization = map(new Yaml().load(reader));
    }
    assertThat(list(kustomization.get("resources")))
        .containsExactly("../kubernetes", "middles.yaml", "group-g0.yaml");
    // The patch replaces the root's --backends by its place in the list: it must still be there.
    List<Object> patch = list(new Yaml().load((String) map(list(kustomization.get("patches"))
        .get(0)).get("patch")));
    List<String> root = args(find(documents, "Deployment", FRONT));
    int at = Integer.parseInt(((String) map(patch.get(0)).get("path")).replaceAll(".*/", ""));
    assertThat(root.get(at - 1)).isEqualTo("--backends");
    assertThat(map(patch.get(0)).get("value")).isEqualTo(root.get(at));
    String middles = (String) map(patch.get(1)).get("value");

    Map<String, Object> middle = resolvedDeployment(documents, middles);
    List<String> middleArgs = args(middle);
    Map<String, Object> leaf = resolvedDeployment(documents, flag(middleArgs, "--backends"));
    List<String> leafArgs = args(leaf);

    assertThat(map(middle.get("metadata")).get("name")).isEqualTo("hashfinder-middle-g0");
    assertThat(map(leaf.get("metadata")).get("name")).isEqualTo("hashfinder-leaf-g0");
    for (List<String> args : List.of(middleArgs, leafArgs)) {
      assertThat(Main.commandLine().parseArgs(args.toArray(String[]::new)).subcommand()
          .commandSpec().name()).isEqualTo("serve");
      assertThat(flag(args, "--max-rpcs-per-client"))
          .isEqualTo(flag(args, "--max-concurrent-rpcs"));
    }
    assertThat(Integer.parseInt(flag(middleArgs, "--max-rpcs-per-client")))
        .as("two ranges of each of the root's searches")
        .isGreaterThanOrEqualTo(2 * Integer.parseInt(flag(root, "--max-concurrent-rpcs")));
    assertThat(Integer.parseInt(flag(leafArgs, "--max-rpcs-per-client")))
        .as("two ranges of each of the middle front's searches")
        .isGreaterThanOrEqualTo(2 * Integer.parseInt(flag(middleArgs, "--max-concurrent-rpcs")));
    assertThat(flag(middleArgs, "--maximum-hashes")).isEqualTo(flag(root, "--maximum-hashes"));
    assertThat(secretHolding(middle, flag(middleArgs, "--token-file")))
        .isEqualTo(secretHolding(find(documents, "Deployment", FRONT),
            flag(root, "--backend-token-file")));
    assertThat(secretHolding(leaf, flag(leafArgs, "--token-file")))
        .isEqualTo(secretHolding(middle, flag(middleArgs, "--backend-token-file")));
    assertThat(list(map(certificateFor(documents, secretHolding(middle,
        flag(middleArgs, "--tls-cert"))).get("spec")).get("dnsNames")))
        .contains("hashfinder-middles");
    assertThat(list(map(certificateFor(documents, secretHolding(leaf,
        flag(leafArgs, "--tls-cert"))).get("spec")).get("dnsNames")))
        .contains("hashfinder-leaves-g0");
    assertThat(list(map(policyFor(documents, podLabels(leaf)).get("spec")).get("ingress")))
        .singleElement().satisfies(rule -> assertThat(list(map(rule).get("from")))
            .containsExactly(Map.of("podSelector", Map.of("matchLabels", podLabels(middle)))));
    assertThat(list(map(policyFor(documents, podLabels(middle)).get("spec")).get("ingress")))
        .singleElement().satisfies(rule -> assertThat(list(map(rule).get("from")))
            .containsExactly(Map.of("podSelector", Map.of("matchLabels",
                podLabels(find(documents, "Deployment", FRONT))))));
  }

  // ---- reading the manifests ----

  private static String flag(List<String> args, String name) {
    int at = args.indexOf(name);
    assertThat(at).as("the argument " + name).isNotNegative();
    return args.get(at + 1);
  }

  private static List<Map<String, Object>> kind(List<Map<String, Object>> documents,
      String kind) {
    return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
  }

  private static Map<String, Object> podLabels(Map<String, Object> deployment) {
    return map(map(map(map(deployment.get("spec")).get("template")).get("metadata"))
        .get("labels"));
  }

  private static Map<String, Object> deploymentSelectedBy(List<Map<String, Object>> documents,
      Map<String, Object> selector) {
    return kind(documents, "Deployment").stream()
        .filter(deployment -> podLabels(deployment).entrySet().containsAll(selector.entrySet()))
        .findFirst().orElseThrow(() -> new AssertionError("no Deployment for " + selector));
  }

  /** The container port a probe or Service names, by name or number; 0 if none. */
  private static int containerPort(Map<String, Object> container, Object port) {
    return list(container.get("ports")).stream().map(DeployManifestsTest::map)
        .filter(p -> port.equals(p.get("name")) || port.equals(p.get("containerPort")))
        .map(p -> (Integer) p.get("containerPort")).findFirst().orElse(0);
  }

  /** The Secret whose volume is mounted where {@code path} lies, in a Deployment's container. */
  private static String secretHolding(Map<String, Object> deployment, String path) {
    Map<String, Object> pod = map(map(map(deployment.get("spec")).get("template")).get("spec"));
    String volume = list(container(deployment).get("volumeMounts")).stream()
        .map(DeployManifestsTest::map)
        .filter(mount -> path.startsWith(mount.get("mountPath") + "/"))
        .map(mount -> (String) mount.get("name"))
        .findFirst().orElseThrow(() -> new AssertionError("nothing is mounted at " + path));
    return list(pod.get("volumes")).stream().map(DeployManifestsTest::map)
        .filter(v -> volume.equals(v.get("name")))
        .map(v -> (String) map(v.get("secret")).get("secretName"))
        .findFirst().orElseThrow(() -> new AssertionError(volume + " is not a Secret"));
  }

  /** The cert-manager Certificate that writes the Secret {@code secretName}. */
  private static Map<String, Object> certificateFor(List<Map<String, Object>> documents,
      String secretName) {
    return kind(documents, "Certificate").stream()
        .filter(c -> "cert-manager.io/v1".equals(c.get("apiVersion"))
            && secretName.equals(map(c.get("spec")).get("secretName")))
        .findFirst().orElseThrow(() -> new AssertionError("no Certificate makes " + secretName));
  }

  /** The one NetworkPolicy that selects pods with {@code labels}. */
  private static Map<String, Object> policyFor(List<Map<String, Object>> documents,
      Map<String, Object> labels) {
    List<Map<String, Object>> policies = kind(documents, "NetworkPolicy").stream()
        .filter(p -> labels.entrySet().containsAll(map(map(map(p.get("spec"))
            .get("podSelector")).get("matchLabels")).entrySet()))
        .toList();
    assertThat(policies).as("NetworkPolicies selecting " + labels).hasSize(1);
    return policies.get(0);
  }

  @Test
  void everyContainersArguments_areACommandLineTheJarAccepts() throws IOException {
    for (Map<String, Object> document : documents()) {
      if ("Deployment".equals(document.get("kind"))) {
        List<String> args = args(document);

        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new));

        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("serve");
      }
    }
  }
}
