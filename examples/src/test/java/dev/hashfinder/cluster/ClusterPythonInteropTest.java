package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.core.ReferenceModel;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.server.HashFinderServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster with Debian's python3-grpcio: a Python client against a server in front of a
 * cluster, and a Python server with the reference semantics refused as a backend. Both use stubs
 * that Debian's protoc generates from our proto, as the reference's own would be.
 *
 * <p>Where Python's gRPC is missing these tests are skipped, except under CI, where that fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterPythonInteropTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final Path SCRIPTS =
      Path.of("../hashfinder-server/src/test/python").toAbsolutePath();
  private static final Path STUBS = Path.of("target/python-stubs").toAbsolutePath();

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

  // ---- servers and a cluster ----

  private HashFinderEngine engine(long maxHashes) {
    return closeLater(HashFinderEngine.newBuilder()
        .threads(2).budget(ResourceBudget.ofHashes(maxHashes)).build());
  }

  private String serve(HashFinderEngine engine) {
    HashFinderServer server = closeLater(HashFinderServer.forPort(0).finder(engine).start());
    return "127.0.0.1:" + server.port();
  }

  @Test
  void pythonClient_onAClustersFront_getsTheSequentialStream() throws Exception {
    String backends = serve(engine(1_000_000)) + "," + serve(engine(1_000_000)) + ","
        + serve(engine(1_000_000));
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder(backends)
        .rangeDuration(Duration.ofMillis(20)).build());
    HashFinderServer front = closeLater(HashFinderServer.forPort(0).finder(cluster).start());
    Query query = Query.of("grpc", 0).withInterestingDistance(1);

    List<String> lines = python("interop_client.py", "127.0.0.1:" + front.port(), "find_range",
        "grpc", "0", "1").awaitExit();

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
  void aReferenceServer_isRefusedAsAClusterBackend_byName() throws Exception {
    PythonProcess[] reference = new PythonProcess[1];
    referenceServer(100_000, reference);
    String ours = serve(engine(1_000_000));
    String theirs = "127.0.0.1:" + reference[0].port;

    assertThatThrownBy(() -> HashFinderCluster.newBuilder(ours + "," + theirs).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(theirs)
        .hasMessageContaining("not a hashfinder server")
        .hasMessageNotContaining(ours);
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
