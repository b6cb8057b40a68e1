package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.core.ReferenceModel;
import dev.hashfinder.grpc.HashFinderClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-language interoperability with Debian's python3-grpcio: a Python client against our
 * server, and our client against a Python server with the reference semantics. Both use stubs
 * that Debian's protoc generates from our proto, as the reference's own would be.
 *
 * <p>Where Python's gRPC is missing these tests are skipped, except under CI, where that fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PythonInteropTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final Path SCRIPTS = Path.of("src/test/python").toAbsolutePath();
  private static final Path STUBS = Path.of("target/python-stubs").toAbsolutePath();
  private static final String PY_TOKEN = "py-token-0123456789";

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void generateStubs() throws Exception {
    boolean available = Files.isExecutable(Path.of(PYTHON))
        && run(PYTHON, "-c", "import grpc, google.protobuf") == 0
        && Files.isExecutable(Path.of("/usr/bin/grpc_python_plugin"));
    if (!available && System.getenv("CI") != null) {
      throw new AssertionError("CI needs python3-grpcio, python3-protobuf, protobuf-compiler and "
          + "protobuf-compiler-grpc installed");
    }
    assumeTrue(available, "python3-grpcio and protobuf-compiler-grpc are not installed");
    Files.createDirectories(STUBS);
    int exit = run("protoc", "--proto_path=../hashfinder-grpc/src/main/proto",
        "--python_out=" + STUBS, "--grpc_python_out=" + STUBS,
        "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", "hash_name.proto");
    assertThat(exit).as("protoc for Python").isZero();
  }

  private static int run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).inheritIO().start();
    return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  // ---- a Python client against our server ----

  private HashFinderEngine engine(long maxHashes) {
    return closeLater(HashFinderEngine.newBuilder()
        .threads(2).budget(ResourceBudget.ofHashes(maxHashes)).build());
  }

  private String serve(HashFinderEngine engine) {
    HashFinderServer server = closeLater(HashFinderServer.forPort(0).finder(engine).start());
    return "127.0.0.1:" + server.port();
  }

  // ---- a Python client over TLS, mutual TLS and with bearer tokens ----

  private HashFinderServer secureServer(TestCertificates tls, boolean mutual, String token)
      throws IOException {
    TlsServerCredentials.Builder credentials = TlsServerCredentials.newBuilder()
        .keyManager(tls.serverCert().toFile(), tls.serverKey().toFile());
    if (mutual) {
      credentials.trustManager(tls.ca().toFile())
          .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    return closeLater(HashFinderServer.forPort(0).finder(engine(1_000_000))
        .credentials(credentials.build())
        .bearerTokens(BearerTokens.of(token))
        .start());
  }

  @Test
  void pythonClient_overTls_withTheToken_isServed_andWithoutIt_isUnauthenticated(
      @TempDir Path directory) throws Exception {
    TestCertificates tls = TestCertificates.create(directory);
    String target = "localhost:" + secureServer(tls, false, PY_TOKEN).port();
    Map<String, String> trusting = Map.of("HF_TLS_CA", tls.ca().toString());

    List<String> withToken = python(Map.of("HF_TLS_CA", tls.ca().toString(),
        "HF_TOKEN", PY_TOKEN), "interop_client.py", target, "find", "aa").awaitExit();
    List<String> withoutToken =
        python(trusting, "interop_client.py", target, "find", "aa").awaitExit();

    assertThat(withToken).containsExactly("{\"secret\": \"ZA==\", \"hashed_name\": "
        + "\"PDY4Ns9OFmZmaaJdooChhlwtKHQ=\", \"hamming_distance\": 0}",
        "{\"status\": \"OK\", \"details\": \"\"}");
    assertThat(withoutToken).containsExactly("{\"status\": \"UNAUTHENTICATED\", "
        + "\"details\": \"this server needs an authorization: Bearer token\"}");
  }

  @Test
  void pythonClient_withMutualTls_isServedWithItsCertificate_andRefusedWithout(
      @TempDir Path directory) throws Exception {
    TestCertificates tls = TestCertificates.create(directory);
    String target = "localhost:" + secureServer(tls, true, PY_TOKEN).port();

    List<String> certified = python(Map.of("HF_TLS_CA", tls.ca().toString(),
        "HF_TLS_CERT", tls.clientCert().toString(), "HF_TLS_KEY", tls.clientKey().toString(),
        "HF_TOKEN", PY_TOKEN), "interop_client.py", target, "find", "aa").awaitExit();
    List<String> uncertified = python(Map.of("HF_TLS_CA", tls.ca().toString(),
        "HF_TOKEN", PY_TOKEN), "interop_client.py", target, "find", "aa").awaitExit();

    assertThat(certified).last().isEqualTo("{\"status\": \"OK\", \"details\": \"\"}");
    assertThat(uncertified).singleElement().asString().startsWith("{\"status\": \"UNAVAILABLE\"");
  }

  @Test
  void pythonClient_find_getsTheSpecAnswer() throws Exception {
    String target = serve(engine(1_000_000));

    List<String> lines = python("interop_client.py", target, "find", "grpc").awaitExit();

    assertThat(lines).containsExactly(
        "{\"secret\": \"AAcV\", \"hashed_name\": \"FEVc6RB5ZDihKM41HBrDGrPCkqU=\", "
            + "\"hamming_distance\": 0}",
        "{\"status\": \"OK\", \"details\": \"\"}");
  }

  @Test
  void pythonClient_findRange_getsTheSequentialStream() throws Exception {
    String target = serve(engine(1_000_000));
    Query query = Query.of("grpc", 0).withInterestingDistance(1);

    List<String> lines =
        python("interop_client.py", target, "find_range", "grpc", "0", "1").awaitExit();

    assertThat(lines).containsExactlyElementsOf(sequentialStream(query, 67_088));
  }

  /** What the Python client prints for the sequential stream of a ranged search that ends OK. */
  private static List<String> sequentialStream(Query query, long budget) {
    List<String> expected = new ArrayList<>();
    for (Match match : ReferenceModel.findRange(query, budget)) {
      expected.add("{\"secret\": \"" + Base64.getEncoder().encodeToString(match.secret())
          + "\", \"hashed_name\": \"" + match.hashText() + "\", \"hamming_distance\": "
          + match.distance() + "}");
    }
    expected.add("{\"status\": \"OK\", \"details\": \"\"}");
    return expected;
  }

  @Test
  void pythonClient_seesResourceExhausted_withTheBudgetAndCount() throws Exception {
    String target = serve(engine(5_000));

    List<String> lines = python("interop_client.py", target, "find", "hashfinder").awaitExit();

    assertThat(lines).containsExactly("{\"status\": \"RESOURCE_EXHAUSTED\", \"details\": "
        + "\"budget of 5000 hashes exhausted after examining 5000 hashes\"}");
  }

  @Test
  void pythonClient_seesInvalidArgument_namingTheField() throws Exception {
    HashFinderEngine engine = engine(1_000_000);
    String target = serve(engine);

    List<String> tooLong = python("interop_client.py", target, "find", "x".repeat(40)).awaitExit();
    List<String> negative =
        python("interop_client.py", target, "find", "aa", "-1").awaitExit();
    List<String> next = python("interop_client.py", target, "find", "aa").awaitExit();

    assertThat(tooLong).singleElement().asString()
        .contains("INVALID_ARGUMENT").contains("desired_name has 40 characters");
    assertThat(negative).singleElement().asString()
        .contains("INVALID_ARGUMENT").contains("ideal_hamming_distance < 0: -1");
    assertThat(next).last().asString().contains("\"OK\"");
  }

  @Test
  void pythonClient_hostileRequests_eachGetADefiniteStatus_andTheNextIsServed()
      throws Exception {
    HashFinderEngine engine = engine(200_000);
    String target = serve(engine);

    List<String> lines = python("interop_client.py", target, "hostile").awaitExit();

    assertThat(lines).containsExactly(
        "{\"case\": \"empty name\", \"status\": \"INVALID_ARGUMENT\"}",
        "{\"case\": \"name longer than the hash text\", \"status\": \"INVALID_ARGUMENT\"}",
        "{\"case\": \"negative ideal distance\", \"status\": \"INVALID_ARGUMENT\"}",
        "{\"case\": \"negative interesting distance\", \"status\": \"INVALID_ARGUMENT\"}",
        "{\"case\": \"absurd ideal distance\", \"status\": \"OK\"}",
        "{\"case\": \"megabyte name\", \"status\": \"RESOURCE_EXHAUSTED\"}",
        "{\"case\": \"name beyond the message limit\", \"status\": \"RESOURCE_EXHAUSTED\"}",
        "{\"case\": \"non-ASCII and NUL\", \"status\": \"INVALID_ARGUMENT\"}",
        "{\"case\": \"the next client\", \"status\": \"OK\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
  }

  @Test
  void pythonClient_cancelling_freesTheServersWorker() throws Exception {
    HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).build(); // unlimited
    closeLater(engine);
    String target = serve(engine);
    PythonProcess client = python("interop_client.py", target, "cancel", "hashfinder");
    assertThat(client.nextLine()).isEqualTo("{\"event\": \"started\"}");
    await().atMost(Duration.ofSeconds(20)).until(() -> engine.hashesExamined() > 0);

    client.send("cancel");

    assertThat(client.awaitExit()).containsExactly(
        "{\"status\": \"CANCELLED\", \"details\": \"cancelled by the client\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
  }

  @Test
  void pythonClient_cancellingAStream_afterItsFirstResponse_freesTheWorker() throws Exception {
    HashFinderEngine engine = HashFinderEngine.newBuilder().threads(2).build(); // unlimited
    closeLater(engine);
    String target = serve(engine);

    List<String> lines =
        python("interop_client.py", target, "cancel_range", "hashfinder", "0", "10").awaitExit();

    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).contains("CANCELLED");
    await().atMost(Duration.ofSeconds(5)).until(() -> engine.activeSearches() == 0);
  }

  // ---- our client against a Python server with the reference semantics ----

  private HashFinderClient referenceServer(long maxHashes, PythonProcess[] process)
      throws Exception {
    PythonProcess server = python("reference_server.py", Long.toString(maxHashes));
    Matcher port = Pattern.compile("port (\\d+)").matcher(server.nextLine());
    assertThat(port.matches()).isTrue();
    server.port = Integer.parseInt(port.group(1));
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
        "127.0.0.1", Integer.parseInt(port.group(1)), InsecureChannelCredentials.create())
        .build();
    closeLater(channel::shutdownNow);
    if (process != null) {
      process[0] = server;
    }
    return HashFinderClient.create(channel);
  }

  @Test
  void ourClient_findsOnTheReferenceServer() throws Exception {
    HashFinderClient client = referenceServer(100_000, null);

    Match match = client.find(Query.of("doc", 0)).get(60, TimeUnit.SECONDS);

    assertThat(match.secretBase64()).isEqualTo("AMA=");
    assertThat(match.hashText()).isEqualTo("ZYvtebqCYl1QlrawCSGxXs9docE=");
    assertThat(match.index()).isEqualTo(-1); // the reference does not send it
  }

  @Test
  void ourClient_streamsFromTheReferenceServer() throws Exception {
    HashFinderClient client = referenceServer(100_000, null);
    // The reference tests "interesting" first, so only an ideal distance above it ends a stream.
    Query query = Query.of("doc", 1).withInterestingDistance(0);
    List<Match> streamed = Collections.synchronizedList(new ArrayList<>());

    client.findRange(query, ResourceBudget.unlimited(), new CancellationToken(), streamed::add)
        .get(60, TimeUnit.SECONDS);

    assertThat(streamed).isNotEmpty();
    assertThat(streamed.get(streamed.size() - 1).distance()).isEqualTo(1);
    assertThat(streamed.subList(0, streamed.size() - 1))
        .allSatisfy(match -> assertThat(match.distance()).isZero());
  }

  @Test
  void ourClient_reportsTheReferenceBudgetAsTheServerCancelling() throws Exception {
    HashFinderClient client = referenceServer(2_000, null);

    CompletableFuture<Match> future = client.find(Query.of("hashfinder", 0));

    ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(
        ExecutionException.class, () -> future.get(60, TimeUnit.SECONDS));
    assertThat(failure.getCause()).isInstanceOf(dev.hashfinder.FinderFailedException.class)
        .hasMessageContaining("cancelled");
    assertThat(failure.getCause().getCause()).isInstanceOfSatisfying(
        StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(future.isCancelled()).isFalse();
  }

  @Test
  void ourClient_cancelling_reachesTheReferenceServer() throws Exception {
    PythonProcess[] server = new PythonProcess[1];
    HashFinderClient client = referenceServer(100_000_000, server);
    CancellationToken token = new CancellationToken();
    CompletableFuture<Match> future =
        client.find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token);
    assertThat(server[0].nextLine()).isEqualTo("searching");

    token.cancel();

    assertThat(future).isCancelled();
    assertThat(server[0].nextLine()).isEqualTo("cancelled");
  }

  // ---- running Python ----

  private PythonProcess python(String script, String... args) throws IOException {
    return python(Map.of(), script, args);
  }

  private PythonProcess python(Map<String, String> environment, String script, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(PYTHON, SCRIPTS.resolve(script).toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(environment);
    builder.environment().put("PYTHONPATH", STUBS.toString());
    return closeLater(new PythonProcess(builder.start()));
  }

  /** A Python process whose standard output arrives line by line. */
  private static final class PythonProcess implements AutoCloseable {
    private static final String EOF = "\u0000eof";
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Writer stdin;
    /** The port a server script listens on, once known. */
    int port;

    PythonProcess(Process process) {
      this.process = process;
      this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = out.readLine(); line != null; line = out.readLine()) {
            lines.add(line);
          }
        } catch (IOException e) {
          // The process went away; EOF below says so.
        }
        lines.add(EOF);
      }, "python-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    String nextLine() throws InterruptedException {
      String line = lines.poll(60, TimeUnit.SECONDS);
      assertThat(line).as("a line from Python").isNotNull().isNotEqualTo(EOF);
      return line;
    }

    void send(String line) throws IOException {
      stdin.write(line + "\n");
      stdin.flush();
    }

    List<String> awaitExit() throws InterruptedException {
      List<String> all = new ArrayList<>();
      for (String line = lines.poll(90, TimeUnit.SECONDS); line != null && !line.equals(EOF);
          line = lines.poll(90, TimeUnit.SECONDS)) {
        all.add(line);
      }
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("Python exited").isTrue();
      return all;
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
