package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.FinderBusyException;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.BearerTokenCredentials;
import dev.hashfinder.grpc.HashFinderClient;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.opentelemetry.api.OpenTelemetry;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server builder's settings: each once, each taking effect, and the errors it gives. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerBuilderTest {
  private final HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
      .budget(ResourceBudget.unlimited()).build();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    engine.close();
  }

  private HashFinderServer started(HashFinderServer.Builder builder) {
    HashFinderServer server = builder.finder(engine).start();
    closeables.add(server);
    return server;
  }

  @Test
  void eachSetting_mayBeGivenOnce() {
    HashFinderServer.Builder builder = HashFinderServer.forPort(0)
        .credentials(InsecureServerCredentials.create())
        .bearerTokens(BearerTokens.of("token-0123456789"))
        .limits(ServerLimits.defaults())
        .openTelemetry(OpenTelemetry.noop())
        .maxSearchesPerClient(1);

    assertThatThrownBy(() -> builder.credentials(InsecureServerCredentials.create()))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("credentials was");
    assertThatThrownBy(() -> builder.bearerTokens(BearerTokens.of("token-0123456789")))
        .hasMessageStartingWith("bearerTokens was already set");
    assertThatThrownBy(() -> builder.limits(ServerLimits.defaults()))
        .hasMessageStartingWith("limits was already set");
    assertThatThrownBy(() -> builder.openTelemetry(OpenTelemetry.noop()))
        .hasMessageStartingWith("openTelemetry was already set");
    assertThatThrownBy(() -> builder.maxSearchesPerClient(2))
        .hasMessage("maxSearchesPerClient was already set to 1");
  }

  @Test
  void badValues_andNetworkOnlySettings_areRefused_sayingWhy() {
    assertThatThrownBy(() -> HashFinderServer.forPort(0).maxSearchesPerClient(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxSearchesPerClient < 1: 0");
    assertThatThrownBy(() -> HashFinderServer.inProcess("x")
        .credentials(InsecureServerCredentials.create()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("credentials is for a networked server, not in-process");
    assertThatThrownBy(() -> HashFinderServer.forAddress("no-such-host.invalid", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot resolve the address to listen on: no-such-host.invalid");
    assertThatThrownBy(() -> HashFinderServer.forAddress("localhost", 65536))
        .hasMessage("port not in [0, 65535]: 65536");
  }

  @Test
  void configure_changesTheUnderlyingBuilder_afterEverySettingHere() {
    List<ServerBuilder<?>> seen = new ArrayList<>();
    Consumer<ServerBuilder<?>> record = seen::add;

    started(HashFinderServer.forPort(0).configure(record));
    started(HashFinderServer.inProcess("configured").configure(record).configure(record));

    assertThat(seen).hasSize(3);
    assertThat(seen.get(0)).isInstanceOf(NettyServerBuilder.class);
    assertThat(seen.get(1)).isInstanceOf(InProcessServerBuilder.class).isSameAs(seen.get(2));
  }

  @Test
  void aPortHeldWithSoReusePort_isShared_asTheReferenceTestHoldsIt() throws Exception {
    try (Socket reservation = new Socket()) {
      reservation.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      reservation.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));

      HashFinderServer server =
          started(HashFinderServer.forPort(reservation.getLocalPort()));

      assertThat(server.port()).isEqualTo(reservation.getLocalPort());
    }
  }

  @Test
  void aPortAnotherProgramHolds_isAClearError() throws Exception {
    try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      HashFinderServer.Builder builder =
          HashFinderServer.forPort(other.getLocalPort()).finder(engine);

      assertThatThrownBy(builder::start).isInstanceOf(UncheckedIOException.class)
          .hasMessageStartingWith("cannot listen on 127.0.0.1:" + other.getLocalPort() + ": ");
    }
  }

  @Test
  void health_isServingForTheServerAndTheService() {
    started(HashFinderServer.inProcess("health"));
    ManagedChannel channel = InProcessChannelBuilder.forName("health").build();
    closeables.add(channel::shutdownNow);
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);

    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder()
        .setService("hash_name.HashFinder").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void theDefaultShare_isAQuarterOfTheSlots_andReturnsWhenSearchesEnd() throws Exception {
    HashFinderServer server = started(HashFinderServer.forPort(0)
        .bearerTokens(BearerTokens.of("alice-token-0123456789"))
        .maxConcurrentSearches(11)); // a share of 2
    ManagedChannel channel = io.grpc.Grpc.newChannelBuilder("localhost:" + server.port(),
        io.grpc.InsecureChannelCredentials.create()).build();
    closeables.add(channel::shutdownNow);
    HashFinderClient alice = HashFinderClient.create(channel)
        .withCallCredentials(BearerTokenCredentials.of("alice-token-0123456789"));

    for (int round = 0; round < 2; round++) {
      CancellationToken token = new CancellationToken();
      List<CompletableFuture<Match>> running = List.of(
          alice.find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token),
          alice.find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token));
      await().atMost(Duration.ofSeconds(20))
          .until(() -> server.service().runningSearches() == 2);

      assertThat(failure(alice.find(Query.of("hashfinder", 0)))).as("round %d", round)
          .isInstanceOf(FinderBusyException.class);
      assertThat(failure(alice.find(Query.of("hashfinder", 0))))
          .as("still refused in round %d", round).isInstanceOf(FinderBusyException.class);

      token.cancel(); // both end: alice's share is free again for the next round
      await().atMost(Duration.ofSeconds(20)).until(() -> running.stream()
          .allMatch(CompletableFuture::isDone) && server.service().runningSearches() == 0);
    }
  }

  @Test
  void theTimerThread_isADaemon_soItNeverKeepsAJvmAlive() throws Exception {
    HashFinderServer server = started(HashFinderServer.inProcess("timers"));
    ManagedChannel channel = InProcessChannelBuilder.forName("timers").build();
    closeables.add(channel::shutdownNow);
    CancellationToken token = new CancellationToken();
    HashFinderClient.create(channel)
        .find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token);
    await().atMost(Duration.ofSeconds(20)).until(() -> server.service().runningSearches() == 1);

    List<Thread> timers = Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().equals("hashfinder-call-limits")).toList();
    token.cancel();

    assertThat(timers).isNotEmpty().allMatch(Thread::isDaemon);
  }

  private static Throwable failure(CompletableFuture<?> future) throws Exception {
    try {
      future.get(30, TimeUnit.SECONDS);
      throw new AssertionError("completed normally");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }
}
