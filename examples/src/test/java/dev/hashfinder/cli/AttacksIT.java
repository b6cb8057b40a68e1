package dev.hashfinder.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.cli.Processes.Run;
import dev.hashfinder.cli.Processes.Server;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import dev.hashfinder.grpc.proto.HashNameResponse;
import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an attacker tried against the packaged {@code serve} and {@code find}, each as a test:
 * more addresses for more search slots, a half-sent request to the metrics page, a name that
 * forges a log line, a status that forges a line of {@code find}'s, a guessable token, and a
 * server that stops answering. Loopback is a /8 on Linux: clients here leave from 127.0.0.2 and
 * 127.0.0.3 as other hosts would.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class AttacksIT {
  private final Processes processes = new Processes();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stopEverything() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    processes.close();
  }

  @Test
  void aSecondAddress_doesNotBuyASecondShare_andAThirdPartyIsStillServed() throws Exception {
    // A 4-slot server, and one client with two addresses: 127.0.0.1 and 127.0.0.2.
    Server server = processes.serve("--max-concurrent-rpcs", "4", "--threads", "1",
        "--maximum-hashes", "100000000000");
    CancellationToken token = new CancellationToken();
    closeables.add(token::cancel);
    HashFinderClient first = client(server, "127.0.0.1");
    HashFinderClient second = client(server, "127.0.0.2");

    endless(first, token);
    server.awaitLog("Find desired_name=\"hashfinder\" ideal=0 from 127.0.0.1: searching");
    Throwable firstAgain = failure(endless(first, token));
    endless(second, token);
    server.awaitLog("Find desired_name=\"hashfinder\" ideal=0 from 127.0.0.2: searching");
    Throwable secondAgain = failure(endless(second, token));
    Match thirdParty = client(server, "127.0.0.3").find(Query.of("aa", 0))
        .get(30, TimeUnit.SECONDS);

    assertThat(Status.fromThrowable(firstAgain.getCause()).getDescription()).isEqualTo("caller "
        + "127.0.0.1 is running its share of 1 of the server's 4 concurrent searches");
    assertThat(Status.fromThrowable(secondAgain.getCause()).getDescription()).isEqualTo("caller "
        + "127.0.0.2 is running its share of 1 of the server's 4 concurrent searches");
    assertThat(thirdParty.index()).isEqualTo(101);
  }

  @Test
  void twoAddressesOfOneNetwork_shareOneShare_whenThePrefixSaysSo() throws Exception {
    Server server = processes.serve("--max-concurrent-rpcs", "4", "--threads", "1",
        "--maximum-hashes", "100000000000", "--limit", "caller-prefix-ipv4=24");
    CancellationToken token = new CancellationToken();
    closeables.add(token::cancel);

    endless(client(server, "127.0.0.1"), token);
    server.awaitLog("ideal=0 from 127.0.0.0/24: searching");
    Throwable fromTheSameNetwork = failure(endless(client(server, "127.0.0.2"), token));

    assertThat(Status.fromThrowable(fromTheSameNetwork.getCause()).getDescription())
        .isEqualTo("caller 127.0.0.0/24 is running its share of 1 of the server's 4 concurrent "
            + "searches");
  }

  @Test
  void theMetricsPage_listensOnLoopbackWhateverBindSays_andAHalfSentRequestBlocksNoScrape()
      throws Exception {
    int metricsPort;
    try (ServerSocket free = new ServerSocket(0)) {
      metricsPort = free.getLocalPort();
    }
    Run server = processes.start("serve", "--port", "0", "--bind", "0.0.0.0",
        "--metrics-port", Integer.toString(metricsPort));
    await().atMost(Duration.ofSeconds(30)).until(() -> server.stderr.stream()
        .anyMatch(line -> line.contains("metrics on http://")));

    assertThatThrownBy(() -> new Socket("127.0.0.2", metricsPort).close())
        .as("the page is not on every address").isInstanceOf(ConnectException.class);
    try (Socket halfSent = new Socket("127.0.0.1", metricsPort)) {
      halfSent.getOutputStream().write(
          "GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();

      HttpResponse<String> page = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(server.stderr).anyMatch(line -> line.contains(
          "metrics on http://127.0.0.1:" + metricsPort + "/metrics"));
      assertThat(page.body()).contains("hashfinder_searches_running");
      halfSent.setSoTimeout(30_000);
      assertThat(halfSent.getInputStream().read()).as("the half-sent request is let go")
          .isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }
  }

  @Test
  void aNameWithANewlineOrAnEscape_isEscapedInTheServersLog() throws Exception {
    Server server = processes.serve();
    String forged = "aa\n2026-01-01 00:00:00 INFO hashfinder stopped\u001b[2J";

    Run find = processes.start("find", forged, "--server", server.target());

    assertThat(find.exitCode()).isEqualTo(2);
    server.awaitLog("Find desired_name=\"aa\\n2026-01-01 00:00:00 INFO hashfinder stopped"
        + "\\u001B[2J\" ideal=0 from 127.0.0.1: INVALID_ARGUMENT: desired_name has 50 "
        + "characters, more than the 28 of a SHA-1 hash text");
    assertThat(server.run().stderr).noneMatch(line -> line.startsWith("2026-01-01"))
        .noneMatch(line -> line.contains("\u001b"));
  }

  @Test
  void aServersStatusMessage_isEscapedOnFindsStderr() throws Exception {
    String forged = "no\n2026-01-01 00:00:00 INFO answer found\u001b]0;title\u0007";
    io.grpc.Server liar = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new HashFinderGrpc.HashFinderImplBase() {
          @Override
          public void find(HashNameRequest request, StreamObserver<HashNameResponse> observer) {
            observer.onError(Status.UNAVAILABLE.withDescription(forged).asRuntimeException());
          }
        })
        .build().start();
    closeables.add(() -> liar.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));

    Run find = processes.start("find", "aa", "--server", "127.0.0.1:" + liar.getPort());

    assertThat(find.exitCode()).isEqualTo(1);
    assertThat(find.stderr).containsExactly("hashfinder: UNAVAILABLE: no\\n2026-01-01 00:00:00 "
        + "INFO answer found\\u001B]0;title\\u0007");
  }

  @Test
  void aGuessableToken_isRefusedAtStart_namingItsLine_notTheToken(@TempDir Path directory)
      throws Exception {
    Path tokens = Files.writeString(directory.resolve("tokens"),
        "# operators\nlong-enough-token-0123456789\nswordfish\n");

    Run serve = processes.start("serve", "--port", "0", "--token-file", tokens.toString());

    assertThat(serve.exitCode()).isEqualTo(2);
    assertThat(serve.stderr).first().isEqualTo("the token file " + tokens + ", line 3: 9 "
        + "characters, fewer than the 16 a token needs");
    assertThat(String.join("\n", serve.stderr)).doesNotContain("swordfish");
  }

  @Test
  void find_givesUpOnAServerThatStopsAnswering_withinItsKeepalive() throws Exception {
    Server server = processes.serve("--threads", "1", "--maximum-hashes", "100000000000");
    Run find = processes.start("find", "hashfinder", "--server", server.target(),
        "--keepalive", "10s");
    server.awaitSearching("hashfinder");

    Processes.signal("STOP", server.run()); // alive to TCP, deaf to HTTP/2
    long start = System.nanoTime();
    try {
      assertThat(find.process.waitFor(90, TimeUnit.SECONDS)).as("find gave up").isTrue();
    } finally {
      Processes.signal("CONT", server.run());
    }

    Duration waited = Duration.ofNanos(System.nanoTime() - start);
    assertThat(find.exitCode()).isEqualTo(1);
    assertThat(find.stderr).singleElement().asString()
        .startsWith("hashfinder: UNAVAILABLE: Keepalive failed");
    assertThat(waited).isLessThan(FindCommand.SHORTEST_KEEPALIVE
        .plus(FindCommand.KEEPALIVE_TIMEOUT).plusSeconds(15));
  }

  // ---- clients from a chosen loopback address ----

  /** A client whose connections leave from {@code source}, a loopback address. */
  private HashFinderClient client(Server server, String source) {
    int port = Integer.parseInt(server.target().substring(server.target().indexOf(':') + 1));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
        .usePlaintext()
        .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
          @Override
          public SocketAddress createSocketAddress(SocketAddress remote, Attributes attributes) {
            return new InetSocketAddress(source, 0);
          }
        })
        .build();
    closeables.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return HashFinderClient.create(channel);
  }

  private static CompletableFuture<Match> endless(HashFinderClient client,
      CancellationToken token) {
    return client.find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token);
  }

  /** How a call ended; fails if it is still running after 30 s. */
  private static Throwable failure(CompletableFuture<?> call) throws Exception {
    try {
      call.get(30, TimeUnit.SECONDS);
      throw new AssertionError("completed normally");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("still running after 30 s: it was not refused", e);
    }
  }
}
