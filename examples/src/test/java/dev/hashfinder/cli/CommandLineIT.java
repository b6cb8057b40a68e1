package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.cli.Processes.Run;
import dev.hashfinder.cli.Processes.Server;
import dev.hashfinder.server.BearerTokens;
import dev.hashfinder.server.TestCertificates;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution's {@code bin/hashfinder} as real processes, with real signals: the reference
 * test suite's "successful run" and "graceful SIGINT" cases and what else a user meets first.
 * The launcher runs the packaged {@code hashfinder.jar}; the other suites run the jar itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommandLineIT {
  private static final String CLI_TOKEN = "cli-token-0123456789";

  private final Processes processes = Processes.throughLauncher();

  CommandLineIT() throws IOException, InterruptedException {}

  @AfterEach
  void stopEverything() throws InterruptedException {
    processes.close();
  }

  @Test
  void find_withoutAServer_printsTheAnswerAsTheReferenceClientDoes() throws Exception {
    Run find = start("find", "aa");

    assertThat(find.exitCode()).isZero();
    // print(response) in Python: text format without default-valued fields, then an empty line.
    assertThat(find.stdout).containsExactly(
        "secret: \"ZA==\"", "hashed_name: \"PDY4Ns9OFmZmaaJdooChhlwtKHQ=\"", "");
    assertThat(find.stderr).isEmpty(); // no progress noise when stderr is not a terminal
  }

  @Test
  void find_leavesOutFieldsHoldingTheirDefault_asTextFormatDoes() throws Exception {
    Run empty = start("find", "=");
    Run inferior = start("find", "Doctor", "--ideal-distance", "1");

    assertThat(empty.exitCode()).isZero();
    assertThat(empty.stdout).containsExactly("hashed_name: \"2jmj7l5rSw0yVb/vlWAYkK/YBwk=\"", "");
    assertThat(inferior.exitCode()).isZero();
    assertThat(inferior.stdout).containsExactly("secret: \"4fE=\"",
        "hashed_name: \"E0Vzxl8baz59WBMz6iACDOCQorI=\"", "hamming_distance: 1", "");
  }

  @Test
  void find_json_printsOneObjectPerResponse() throws Exception {
    Run find = start("find", "aa", "--show-inferior", "1", "--json", "--threads", "2");

    assertThat(find.exitCode()).isZero();
    assertThat(find.stdout).hasSizeGreaterThan(1)
        .allSatisfy(line -> assertThat(line).startsWith("{\"secret\":").endsWith("}"));
    assertThat(find.stdout.get(find.stdout.size() - 1))
        .contains("\"hamming_distance\":0").contains("\"index\":101");
  }

  @Test
  void find_thatRunsOutOfBudget_exits1_withTheStatusOnStderr() throws Exception {
    Run find = start("find", "hashfinder", "--maximum-hashes", "5000");

    assertThat(find.exitCode()).isEqualTo(1);
    assertThat(find.stdout).isEmpty();
    assertThat(find.stderr).containsExactly("hashfinder: RESOURCE_EXHAUSTED: "
        + "budget of 5000 hashes exhausted after examining 5000 hashes");
  }

  @Test
  void usageErrors_exit2_namingTheFlag() throws Exception {
    Run missing = start("find");
    Run negative = start("find", "aa", "--ideal-distance", "-1");
    Run unknown = start("find", "aa", "--no-such-flag");
    Run tooLong = start("find", "x".repeat(29));
    Run impossible = start("find", "hello world");
    Run keepaliveAlone = start("find", "aa", "--keepalive", "20s");
    Run keepaliveTooShort = start("find", "aa", "--server", "localhost:1", "--keepalive", "5s");

    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(negative.exitCode()).isEqualTo(2);
    assertThat(negative.stderr).first().isEqualTo("--ideal-distance must be at least 0: -1");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.stderr).first().asString().contains("--no-such-flag");
    assertThat(tooLong.exitCode()).isEqualTo(2);
    assertThat(tooLong.stderr).containsExactly("hashfinder: INVALID_ARGUMENT: "
        + "desired_name has 29 characters, more than the 28 of a SHA-1 hash text");
    assertThat(impossible.exitCode()).isEqualTo(2);
    assertThat(impossible.stderr).containsExactly("hashfinder: INVALID_ARGUMENT: desired_name "
        + "can never come within distance 0: every window of a SHA-1 hash text mismatches it "
        + "at least 1 time; first ' ' (space) at index 5, which no SHA-1 hash text holds");
    assertThat(keepaliveAlone.exitCode()).isEqualTo(2);
    assertThat(keepaliveAlone.stderr).first().isEqualTo(
        "--keepalive is for --server (a cluster pings its servers on its own schedule)");
    assertThat(keepaliveTooShort.exitCode()).isEqualTo(2);
    assertThat(keepaliveTooShort.stderr).first().isEqualTo("--keepalive must be at least 10s, "
        + "was 5s: a server answers quicker pings with GOAWAY");
  }

  @Test
  void serveUsageErrors_exit2_namingTheFlagAndTheLimit(@TempDir Path directory) throws Exception {
    Run unknownLimit = start("serve", "--port", "0", "--limit", "max-bytes=1");
    Run badValue = start("serve", "--port", "0", "--limit", "handshake-timeout=soon");
    Run halfTls = start("serve", "--port", "0", "--tls-cert", "server.pem");
    Run missingTls = start("serve", "--port", "0",
        "--tls-cert", directory.resolve("none.pem").toString(),
        "--tls-key", directory.resolve("none.key").toString());
    Run findTlsWithoutServer = start("find", "aa", "--tls");
    Run metricsBindAlone = start("serve", "--port", "0", "--metrics-bind", "0.0.0.0");

    assertThat(unknownLimit.exitCode()).isEqualTo(2);
    assertThat(unknownLimit.stderr).first().asString().startsWith(
        "--limit: no limit is called max-bytes; those are: max-request-bytes, ");
    assertThat(badValue.exitCode()).isEqualTo(2);
    assertThat(badValue.stderr).first()
        .isEqualTo("--limit handshake-timeout: not a valid value: 'soon'");
    assertThat(halfTls.exitCode()).isEqualTo(2);
    assertThat(halfTls.stderr).first().isEqualTo("--tls-cert and --tls-key go together");
    assertThat(missingTls.exitCode()).isEqualTo(2);
    assertThat(missingTls.stderr).first().asString().startsWith("cannot read the TLS files: ");
    assertThat(findTlsWithoutServer.exitCode()).isEqualTo(2);
    assertThat(findTlsWithoutServer.stderr).first()
        .isEqualTo("--tls, --tls-ca, --tls-cert and --token-file are for a --server or --servers");
    assertThat(metricsBindAlone.exitCode()).isEqualTo(2);
    assertThat(metricsBindAlone.stderr).first().isEqualTo("--metrics-bind is for --metrics-port");
  }

  @Test
  void successfulRun_serveThenFind_andTheServerKeepsRunning() throws Exception {
    Server server = serve();

    Run find = start("find", "aa", "--server", server.target());

    assertThat(find.exitCode()).isZero();
    assertThat(find.stdout).first().isEqualTo("secret: \"ZA==\"");
    assertThat(server.run().process.isAlive()).isTrue();
    server.awaitLog("Find desired_name=\"aa\" ideal=0 from 127.0.0.1: found index 101");
  }

  @Test
  void gracefulSigint_cancelsTheCall_andTheNextClientIsServed() throws Exception {
    Server server = serve("--max-concurrent-rpcs", "1");
    Run interrupted = start("find", "hashfinder", "--server", server.target());
    server.awaitSearching("hashfinder");

    long start = System.nanoTime();
    signal("INT", interrupted);

    assertThat(interrupted.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(interrupted.process.exitValue()).as("exit after %d ms", millis).isEqualTo(130);
    server.awaitLog("Find desired_name=\"hashfinder\" ideal=0 from 127.0.0.1: CANCELLED: cancelled by the client");
    Run next = start("find", "aa", "--server", server.target());
    assertThat(next.exitCode()).isZero();
  }

  @Test
  void aKilledClient_freesItsWorker() throws Exception {
    Server server = serve("--max-concurrent-rpcs", "1");
    Run killed = start("find", "hashfinder", "--server", server.target());
    server.awaitSearching("hashfinder");

    signal("KILL", killed);

    server.awaitLog("Find desired_name=\"hashfinder\" ideal=0 from 127.0.0.1: CANCELLED: cancelled by the client");
    assertThat(start("find", "aa", "--server", server.target()).exitCode()).isZero();
  }

  @Test
  void sigtermStopsTheServer_andCallsInFlightSeeUnavailable() throws Exception {
    Server server = serve("--max-concurrent-rpcs", "1");
    Run inFlight = start("find", "hashfinder", "--server", server.target());
    server.awaitSearching("hashfinder");

    signal("TERM", server.run());

    assertThat(server.run().process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    server.awaitLog("hashfinder stopped");
    assertThat(inFlight.exitCode()).isEqualTo(1);
    assertThat(inFlight.stderr).containsExactly("hashfinder: UNAVAILABLE: server is shutting down");
  }

  @Test
  void ctrlC_onTheEmbeddedServer_exits130() throws Exception {
    Run find = start("find", "hashfinder", "--maximum-hashes", "100000000000");
    // Hashing shows as CPU time: the JVM is up and its search running.
    await().atMost(Duration.ofSeconds(30)).until(() -> find.process.info().totalCpuDuration()
        .orElse(Duration.ZERO).compareTo(Duration.ofSeconds(2)) > 0);

    signal("INT", find);

    assertThat(find.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(find.process.exitValue()).isEqualTo(130);
  }

  @Test
  void bench_json_reportsEachRunAndTheCancellationFigures() throws Exception {
    Run bench = start("bench", "--seconds", "1", "--threads", "1", "--algorithms", "MD5,SHA-1",
        "--ideal-distances", "0,2", "--cancellations", "5", "--json");

    assertThat(bench.exitCode()).isZero();
    com.google.gson.JsonObject report =
        com.google.gson.JsonParser.parseString(String.join("", bench.stdout)).getAsJsonObject();
    assertThat(report.get("sha1_path").getAsString()).isEqualTo("direct");
    assertThat(report.get("sha256_path").getAsString()).isEqualTo("direct");
    List<String> runs = new ArrayList<>();
    for (com.google.gson.JsonElement element : report.getAsJsonArray("throughput")) {
      com.google.gson.JsonObject run = element.getAsJsonObject();
      assertThat(run.get("candidates_per_second").getAsLong()).isPositive();
      runs.add(run.get("digest").getAsString() + " " + run.get("path").getAsString() + " "
          + run.get("ideal_distance").getAsInt());
    }
    // Each digest runs on both paths where the native kernel runs it, else in Java.
    com.google.gson.JsonObject paths = report.getAsJsonObject("search_paths");
    assertThat(paths.keySet()).containsExactly("MD5", "SHA-1");
    List<String> expected = new ArrayList<>();
    for (String digest : List.of("MD5", "SHA-1")) {
      if (paths.get(digest).getAsString().startsWith("native")) {
        expected.addAll(List.of(digest + " native 0", digest + " native 2"));
      }
      expected.addAll(List.of(digest + " java 0", digest + " java 2"));
    }
    boolean nativeKernel = paths.get("SHA-1").getAsString().startsWith("native");
    assertThat(runs).containsExactlyElementsOf(expected);
    assertThat(report.getAsJsonObject("cancel_to_idle").keySet()).containsExactlyElementsOf(
        nativeKernel ? List.of("engine_ms", "engine_java_path_ms", "loopback_grpc_ms")
            : List.of("engine_ms", "loopback_grpc_ms"));
  }

  @Test
  void theReferenceTest_reservesThePortWithSoReuseport_andBothScenariosPass() throws Exception {
    // As the reference's test does: hold the port with SO_REUSEPORT, on IPv6's wildcard
    // (dual-stack where the host has IPv6), bound but not listening, while the server starts.
    try (Socket reservation = new Socket()) {
      reservation.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      reservation.bind(new InetSocketAddress(0));
      String port = Integer.toString(reservation.getLocalPort());
      Run server = start("serve", "--port", port);
      String target = "localhost:" + port;

      // successful run: the client starts at once, as there, and waits for the server.
      Run first = start("find", "aa", "--server", target, "--ideal-distance", "0");
      assertThat(first.exitCode()).isZero();
      assertThat(server.process.isAlive()).isTrue();

      // graceful SIGINT: interrupt one client; the next is served and the server lives on.
      Run interrupted = start("find", "aaaaaaaaaa", "--server", target, "--ideal-distance", "0");
      signal("INT", interrupted);
      assertThat(interrupted.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      Run second = start("find", "aa", "--server", target, "--ideal-distance", "0");
      assertThat(second.exitCode()).isZero();
      assertThat(second.stdout).containsExactly(
          "secret: \"ZA==\"", "hashed_name: \"PDY4Ns9OFmZmaaJdooChhlwtKHQ=\"", "");
      assertThat(server.process.isAlive()).isTrue();
    }
  }

  @Test
  void tlsAndTokens_serveAClientWithBoth_andRefuseOneWithoutTheToken(@TempDir Path directory)
      throws Exception {
    TestCertificates tls = TestCertificates.create(directory);
    Path tokens = Files.writeString(directory.resolve("tokens"), CLI_TOKEN + "\n");
    Server server = serve("--tls-cert", tls.serverCert().toString(),
        "--tls-key", tls.serverKey().toString(), "--tls-client-ca", tls.ca().toString(),
        "--token-file", tokens.toString());
    String target = "localhost:" + server.target().substring(server.target().indexOf(':') + 1);
    List<String> mutualTls = List.of("--tls-ca", tls.ca().toString(),
        "--tls-cert", tls.clientCert().toString(), "--tls-key", tls.clientKey().toString());

    Run served = start(concat(List.of("find", "aa", "--server", target, "--token-file",
        tokens.toString()), mutualTls));
    Run withoutToken = start(concat(List.of("find", "aa", "--server", target), mutualTls));

    assertThat(served.exitCode()).isZero();
    assertThat(served.stdout).first().isEqualTo("secret: \"ZA==\"");
    assertThat(withoutToken.exitCode()).isEqualTo(1);
    assertThat(withoutToken.stderr).containsExactly(
        "hashfinder: UNAUTHENTICATED: this server needs an authorization: Bearer token");
    // A token names the caller before a certificate does.
    server.awaitLog("ideal=0 from token " + BearerTokens.fingerprint(CLI_TOKEN)
        + ": found index 101");
    assertThat(server.run().stderr).first().asString().contains("with mutual TLS, bearer tokens");
  }

  @Test
  void metrics_arePrometheusText_withGrpcsAndHashfindersOwn() throws Exception {
    int metricsPort;
    try (ServerSocket free = new ServerSocket(0)) {
      metricsPort = free.getLocalPort();
    }
    Server server = serve("--metrics-port", Integer.toString(metricsPort));
    assertThat(start("find", "aa", "--server", server.target()).exitCode()).isZero();
    assertThat(start("find", "hashfinder", "--server", server.target(), "--maximum-hashes", "1000")
        .exitCode()).isEqualTo(1);

    HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body().lines())
        .anyMatch(line -> line.startsWith("hashfinder_calls_total{")
            && line.contains("outcome=\"found\"") && line.endsWith(" 1.0"))
        .anyMatch(line -> line.startsWith("hashfinder_calls_total{")
            && line.contains("outcome=\"exhausted\"") && line.endsWith(" 1.0"))
        .anyMatch(line -> line.startsWith("hashfinder_hashes_examined_total"))
        .anyMatch(line -> line.startsWith("hashfinder_searches_running"))
        .anyMatch(line -> line.startsWith("grpc_server_call_duration_seconds_count{")
            && line.contains("grpc_method=\"hash_name.HashFinder/Find\""));
  }

  @Test
  void listeningBeyondLoopback_withoutTls_saysTrafficIsInClear_andRefusesTokens(
      @TempDir Path directory) throws Exception {
    Path tokens = Files.writeString(directory.resolve("tokens"), CLI_TOKEN + "\n");

    Run inClear = start("serve", "--port", "0", "--bind", "0.0.0.0");
    Run withTokens = start("serve", "--port", "0", "--bind", "0.0.0.0",
        "--token-file", tokens.toString());

    await().atMost(Duration.ofSeconds(30)).until(() -> inClear.stderr.stream()
        .anyMatch(line -> line.contains("without TLS: traffic is in clear")));
    assertThat(withTokens.exitCode()).isEqualTo(2);
    assertThat(withTokens.stderr).first().asString().isEqualTo("bearer tokens over plaintext "
        + "on 0.0.0.0:0 would cross the network in clear: give TLS credentials, or listen on "
        + "loopback");
  }

  private static String[] concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all.toArray(String[]::new);
  }

  // ---- processes ----

  private Run start(String... args) throws IOException {
    return processes.start(args);
  }

  private Server serve(String... args) throws Exception {
    return processes.serve(args);
  }

  private static void signal(String name, Run run) throws Exception {
    Processes.signal(name, run);
  }
}
