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
 * port, and every container's arguments are a command line {@code hashfinder.jar} accepts.
 */
class DeployManifestsTest {
  private static final Path KUBERNETES = Path.of("../deploy/kubernetes");

  private static List<Map<String, Object>> documents() throws IOException {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (String file : List.of("namespace.yaml", "backends.yaml", "front.yaml")) {
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
      assertThat(list(kustomization.get("resources")))
          .containsExactlyInAnyOrder("namespace.yaml", "backends.yaml", "front.yaml");
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
    for (String name : List.of("hashfinder-backend", "hashfinder-front")) {
      Map<String, Object> container = container(find(documents, "Deployment", name));
      List<Object> ports = list(container.get("ports")).stream()
          .map(p -> map(p).get("containerPort")).toList();
      int readiness = (Integer) map(map(container.get("readinessProbe")).get("grpc")).get("port");
      assertThat(ports).as(name).contains(readiness);
      List<String> args = args(find(documents, "Deployment", name));
      assertThat(ports).as(name)
          .contains(Integer.parseInt(args.get(args.indexOf("--port") + 1)));
    }
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
