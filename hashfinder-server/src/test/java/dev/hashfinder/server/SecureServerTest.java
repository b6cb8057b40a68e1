package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.core.internal.Formats;
import dev.hashfinder.grpc.BearerTokenCredentials;
import dev.hashfinder.grpc.HashFinderClient;
import dev.hashfinder.grpc.proto.HashFinderGrpc;
import dev.hashfinder.grpc.proto.HashNameRequest;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS, mutual TLS and bearer tokens on a real socket, with certificates made for the run: who
 * gets in, who is refused and with what, and how the server names its callers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SecureServerTest {
  private static final String ALICE = "alice-token-0123456789";
  private static final String BOB = "bob-token-0123456789";

  @TempDir static Path certificates;
  private static TestCertificates tls;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
      .budget(ResourceBudget.ofHashes(1_000_000)).build();

  @BeforeAll
  static void makeCertificates() throws Exception {
    tls = TestCertificates.create(certificates);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    engine.close();
  }

  private HashFinderServer start(HashFinderServer.Builder builder) {
    HashFinderServer server = builder.finder(engine).start();
    closeables.add(server);
    return server;
  }

  private ManagedChannel channel(HashFinderServer server, ChannelCredentials credentials) {
    ManagedChannel channel =
        Grpc.newChannelBuilder("localhost:" + server.port(), credentials).build();
    closeables.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private static ChannelCredentials trustingTheCa() throws Exception {
    return TlsChannelCredentials.newBuilder().trustManager(tls.ca().toFile()).build();
  }

  private static Throwable failure(CompletableFuture<?> future) throws InterruptedException {
    try {
      future.get(30, TimeUnit.SECONDS);
      throw new AssertionError("completed normally");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("still running", e);
    }
  }

  private static Status.Code statusOf(Throwable failure) {
    return Status.fromThrowable(failure).getCode();
  }

  @Test
  void tls_servesAClientThatTrustsTheCa_andRefusesOneInClear() throws Exception {
    HashFinderServer server = start(HashFinderServer.forPort(0).credentials(
        TlsServerCredentials.create(tls.serverCert().toFile(), tls.serverKey().toFile())));

    Match match = HashFinderClient.create(channel(server, trustingTheCa()))
        .find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS);
    Throwable inClear = failure(HashFinderClient.create(
        channel(server, InsecureChannelCredentials.create())).find(Query.of("aa", 0)));

    assertThat(match.hashText()).isEqualTo("PDY4Ns9OFmZmaaJdooChhlwtKHQ=");
    assertThat(statusOf(inClear)).isEqualTo(Status.Code.UNAVAILABLE);
  }

  private HashFinderServer mutualTls(ServerInterceptor interceptor) throws Exception {
    return start(HashFinderServer.forPort(0)
        .credentials(TlsServerCredentials.newBuilder()
            .keyManager(tls.serverCert().toFile(), tls.serverKey().toFile())
            .trustManager(tls.ca().toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build())
        .intercept(interceptor));
  }

  @Test
  void mutualTls_servesACertifiedClient_andNamesItByItsSubjectAndIssuer() throws Exception {
    Queue<String> callers = new ConcurrentLinkedQueue<>();
    HashFinderServer server = mutualTls(recordingCallers(callers));
    ChannelCredentials certified = TlsChannelCredentials.newBuilder()
        .trustManager(tls.ca().toFile())
        .keyManager(tls.clientCert().toFile(), tls.clientKey().toFile())
        .build();

    Match match = HashFinderClient.create(channel(server, certified))
        .find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS);

    assertThat(match.index()).isEqualTo(101);
    assertThat(callers).containsExactly(TestCertificates.CLIENT_CALLER);
  }

  @Test
  void mutualTls_theSameSubjectFromAnotherTrustedCa_isAnotherCaller_withItsOwnShare()
      throws Exception {
    Queue<String> callers = new ConcurrentLinkedQueue<>();
    HashFinderEngine unlimited = HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build();
    closeables.add(unlimited);
    HashFinderServer server = HashFinderServer.forPort(0).finder(unlimited)
        .credentials(TlsServerCredentials.newBuilder()
            .keyManager(tls.serverCert().toFile(), tls.serverKey().toFile())
            .trustManager(tls.bothCas().toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build())
        .intercept(recordingCallers(callers))
        .maxConcurrentSearches(4) // a share of 1 each
        .start();
    closeables.add(server);
    HashFinderClient alice = HashFinderClient.create(channel(server, TlsChannelCredentials
        .newBuilder().trustManager(tls.ca().toFile())
        .keyManager(tls.clientCert().toFile(), tls.clientKey().toFile()).build()));
    HashFinderClient otherAlice = HashFinderClient.create(channel(server, TlsChannelCredentials
        .newBuilder().trustManager(tls.ca().toFile())
        .keyManager(tls.secondCaClientCert().toFile(), tls.secondCaClientKey().toFile())
        .build()));
    CancellationToken token = new CancellationToken();
    Query endless = Query.of("hashfinder", 0);
    List<CompletableFuture<Match>> running = new ArrayList<>();
    running.add(alice.find(endless, ResourceBudget.unlimited(), token));
    await().atMost(Duration.ofSeconds(20))
        .until(() -> server.service().runningSearches() == 1);

    running.add(otherAlice.find(endless, ResourceBudget.unlimited(), token));
    await().atMost(Duration.ofSeconds(20))
        .until(() -> server.service().runningSearches() == 2);
    Throwable aliceAgain = failure(alice.find(endless, ResourceBudget.unlimited(), token));
    token.cancel();

    assertThat(aliceAgain).isInstanceOf(FinderBusyException.class);
    assertThat(Status.fromThrowable(aliceAgain.getCause()).getDescription()).isEqualTo("caller "
        + TestCertificates.CLIENT_CALLER + " is running its share of 1 of the server's 4 "
        + "concurrent searches");
    assertThat(callers).containsExactly(TestCertificates.CLIENT_CALLER,
        TestCertificates.SECOND_CA_CLIENT_CALLER, TestCertificates.CLIENT_CALLER);
    await().atMost(Duration.ofSeconds(10)).until(() -> unlimited.activeSearches() == 0);
    assertThat(running).allMatch(CompletableFuture::isDone);
  }

  @Test
  void mutualTls_refusesAClientWithoutACertificate_orWithOneAnotherCaSigned() throws Exception {
    Queue<String> callers = new ConcurrentLinkedQueue<>();
    HashFinderServer server = mutualTls(recordingCallers(callers));
    ChannelCredentials stranger = TlsChannelCredentials.newBuilder()
        .trustManager(tls.ca().toFile())
        .keyManager(tls.strangerCert().toFile(), tls.strangerKey().toFile())
        .build();

    Throwable withoutCertificate = failure(HashFinderClient.create(
        channel(server, trustingTheCa())).find(Query.of("aa", 0)));
    Throwable withAStrangersCertificate = failure(HashFinderClient.create(
        channel(server, stranger)).find(Query.of("aa", 0)));

    assertThat(statusOf(withoutCertificate)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(statusOf(withAStrangersCertificate)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(callers).isEmpty();
    assertThat(engine.hashesExamined()).isZero();
  }

  /** An interceptor that records who each call is from, as the service will see it. */
  private static ServerInterceptor recordingCallers(Queue<String> callers) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call,
          io.grpc.Metadata headers, ServerCallHandler<Q, R> next) {
        callers.add(Callers.current().orElse("(nobody)"));
        return next.startCall(call, headers);
      }
    };
  }

  private HashFinderServer withTokens(BearerTokens tokens) throws Exception {
    return start(HashFinderServer.forPort(0)
        .credentials(TlsServerCredentials.create(
            tls.serverCert().toFile(), tls.serverKey().toFile()))
        .bearerTokens(tokens));
  }

  @Test
  void tokens_aCallWithoutOne_orWithAnotherOne_isUnauthenticated_beforeAnySearch()
      throws Exception {
    HashFinderServer server = withTokens(BearerTokens.of("right-token-0123456789"));
    HashFinderClient client = HashFinderClient.create(channel(server, trustingTheCa()));

    Throwable without = failure(client.find(Query.of("aa", 0)));
    Throwable wrong = failure(client.withCallCredentials(BearerTokenCredentials.of("wrong-token-0123456789"))
        .find(Query.of("aa", 0)));
    Match right = client.withCallCredentials(BearerTokenCredentials.of("right-token-0123456789"))
        .find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS);

    assertThat(statusOf(without)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(Status.fromThrowable(without).getDescription())
        .isEqualTo("this server needs an authorization: Bearer token");
    assertThat(statusOf(wrong)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(Status.fromThrowable(wrong).getDescription())
        .isEqualTo("bearer token not accepted");
    assertThat(right.index()).isEqualTo(101);
    assertThat(server.service().runningSearches()).isZero();
  }

  @Test
  void tokens_healthChecksStayOpen() throws Exception {
    HashFinderServer server = withTokens(BearerTokens.of("right-token-0123456789"));

    HealthCheckResponse health = HealthGrpc.newBlockingStub(channel(server, trustingTheCa()))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(HashFinderGrpc.SERVICE_NAME).build());

    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void tokens_refusedCalls_spendNoHash() throws Exception {
    HashFinderServer server = withTokens(BearerTokens.of("right-token-0123456789"));
    HashFinderGrpc.HashFinderBlockingStub stub =
        HashFinderGrpc.newBlockingStub(channel(server, trustingTheCa()))
            .withDeadlineAfter(30, TimeUnit.SECONDS);

    assertThatThrownBy(() -> stub.find(
        HashNameRequest.newBuilder().setDesiredName("hashfinder").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
            e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(engine.hashesExamined()).isZero();
  }

  @Test
  void tokens_fromAFile_areReReadWhenItsContentChanges() throws Exception {
    Path file = certificates.resolve("tokens-" + System.nanoTime());
    Files.writeString(file, "# operators\nold-token-0123456789\n", StandardCharsets.UTF_8);
    HashFinderServer server = withTokens(BearerTokens.fromFile(file));
    HashFinderClient client = HashFinderClient.create(channel(server, trustingTheCa()));
    HashFinderClient old = client.withCallCredentials(BearerTokenCredentials.of("old-token-0123456789"));
    HashFinderClient rotated =
        client.withCallCredentials(BearerTokenCredentials.of("new-token-0123456789"));
    assertThat(old.find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS).index()).isEqualTo(101);

    FileTime written = Files.getLastModifiedTime(file);
    Files.writeString(file, "# operators\nnew-token-0123456789\n", StandardCharsets.UTF_8);
    Files.setLastModifiedTime(file, written); // the same size and time: only the content tells

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(rotated.find(Query.of("aa", 0)).handle((match, e) -> e).get()).isNull());
    assertThat(statusOf(failure(old.find(Query.of("aa", 0)))))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void tokens_inClear_onAnAddressOtherThanLoopback_areRefusedAtStart() {
    HashFinderServer.Builder builder = HashFinderServer.forAddress("0.0.0.0", 0)
        .finder(engine).bearerTokens(BearerTokens.of("token-0123456789"));

    assertThatThrownBy(builder::start)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("bearer tokens over plaintext on 0.0.0.0:0 would cross the network in "
            + "clear: give TLS credentials, or listen on loopback");
  }

  @Test
  void tokens_overTls_onAnAddressOtherThanLoopback_start() throws Exception {
    HashFinderServer server = start(HashFinderServer.forAddress("0.0.0.0", 0)
        .credentials(TlsServerCredentials.create(
            tls.serverCert().toFile(), tls.serverKey().toFile()))
        .bearerTokens(BearerTokens.of("token-0123456789")));

    assertThat(server.addresses()).singleElement()
        .satisfies(address -> assertThat(address.getAddress().isAnyLocalAddress()).isTrue());
  }

  @Test
  void tokens_inClear_onLoopback_areAccepted() throws Exception {
    HashFinderServer server = start(HashFinderServer.forPort(0)
        .bearerTokens(BearerTokens.of("local-token-0123456789")));

    Match match = HashFinderClient.create(channel(server, InsecureChannelCredentials.create()))
        .withCallCredentials(BearerTokenCredentials.of("local-token-0123456789"))
        .find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS);

    assertThat(match.index()).isEqualTo(101);
  }

  @Test
  void bearerCredentials_neverSendATokenInClear_toAnotherAddress_evenOneCalledLocalhost()
      throws Exception {
    InetAddress external = nonLoopbackAddress();
    HashFinderServer server = start(HashFinderServer.forAddress(external.getHostAddress(), 0));
    String target = Formats.address(new InetSocketAddress(external, server.port()));
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
        .overrideAuthority("localhost:1").build();
    closeables.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));

    Throwable refused = failure(HashFinderClient.create(channel)
        .withCallCredentials(BearerTokenCredentials.of("local-token-0123456789"))
        .find(Query.of("aa", 0)));

    assertThat(statusOf(refused)).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(Status.fromThrowable(refused).getDescription())
        .isEqualTo("not sending a bearer token in clear to " + target + ": use TLS");
    assertThat(engine.hashesExamined()).isZero();
  }

  @Test
  void bearerCredentials_sendATokenInClear_overAConnectionToLoopback_whateverItsAuthority()
      throws Exception {
    HashFinderServer server = start(HashFinderServer.forPort(0)
        .bearerTokens(BearerTokens.of("local-token-0123456789")));
    ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.port(),
        InsecureChannelCredentials.create()).overrideAuthority("hashfinder.example").build();
    closeables.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));

    Match match = HashFinderClient.create(channel)
        .withCallCredentials(BearerTokenCredentials.of("local-token-0123456789"))
        .find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS);

    assertThat(match.index()).isEqualTo(101);
  }

  /** An address of this machine's that is not loopback; the test is skipped if it has none. */
  static InetAddress nonLoopbackAddress() throws Exception {
    for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (network.isUp() && !network.isLoopback()) {
        for (InetAddress address : Collections.list(network.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            return address;
          }
        }
      }
    }
    assumeTrue(false, "this machine has no address but loopback");
    throw new AssertionError("unreachable");
  }

  @Test
  void aCallersShare_isRefused_whileOtherCallersAreServed() throws Exception {
    HashFinderEngine unlimited = HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build();
    closeables.add(unlimited);
    HashFinderServer server = HashFinderServer.forPort(0).finder(unlimited)
        .bearerTokens(BearerTokens.of(ALICE, BOB))
        .maxConcurrentSearches(8) // a share of 2 each
        .start();
    closeables.add(server);
    HashFinderClient client =
        HashFinderClient.create(channel(server, InsecureChannelCredentials.create()));
    HashFinderClient alice = client.withCallCredentials(BearerTokenCredentials.of(ALICE));
    HashFinderClient bob = client.withCallCredentials(BearerTokenCredentials.of(BOB));
    CancellationToken token = new CancellationToken();
    Query endless = Query.of("hashfinder", 0);
    List<CompletableFuture<Match>> running = new ArrayList<>();
    running.add(alice.find(endless, ResourceBudget.unlimited(), token));
    running.add(alice.find(endless, ResourceBudget.unlimited(), token));
    await().atMost(Duration.ofSeconds(20))
        .until(() -> server.service().runningSearches() == 2);

    Throwable third = failure(alice.find(endless, ResourceBudget.unlimited(), token));
    running.add(bob.find(endless, ResourceBudget.unlimited(), token));
    await().atMost(Duration.ofSeconds(20))
        .until(() -> server.service().runningSearches() == 3);
    token.cancel();

    assertThat(third).isInstanceOf(FinderBusyException.class);
    assertThat(Status.fromThrowable(third.getCause()).getDescription()).isEqualTo("caller "
        + "token " + BearerTokens.fingerprint(ALICE) + " is running its share of 2 of the "
        + "server's 8 concurrent searches");
    await().atMost(Duration.ofSeconds(10)).until(() -> unlimited.activeSearches() == 0);
    assertThat(running).allMatch(CompletableFuture::isDone);
  }
}
