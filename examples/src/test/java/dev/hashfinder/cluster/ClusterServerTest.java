package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.FinderUnavailableException;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.server.BearerTokens;
import dev.hashfinder.server.HashFinderServer;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cluster with networked hashfinder servers: as its backends (by DNS, behind bearer tokens) and
 * in front of it (its health).
 */
class ClusterServerTest {
  private static final Query UNREACHABLE = Query.of("hashfinder", 0);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<HashFinderEngine> engines = new ArrayList<>();
  private final List<InProcessBackend> servers = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    Collections.reverse(closeables);
    for (AutoCloseable closeable : closeables) {
      closeable.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  /** In-process servers, each with an engine of its own, and their names. */
  private String servers(String prefix, int count, ResourceBudget budget) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HashFinderEngine engine = closeLater(
          HashFinderEngine.newBuilder().threads(1).budget(budget).build());
      engines.add(engine);
      servers.add(closeLater(InProcessBackend.start(prefix + i, engine)));
      names.add(prefix + i);
    }
    return String.join(",", names);
  }

  private HashFinderCluster cluster(String targets) {
    return closeLater(HashFinderCluster.newBuilder(targets)
        .channelBuilder(InProcessChannelBuilder::forName)
        .budget(ResourceBudget.unlimited())
        .rangeDuration(Duration.ofMillis(50))
        .unavailableGrace(Duration.ofMillis(500))
        .build());
  }

  @Test
  void aDnsTarget_makesEveryAddressABackend() throws Exception {
    HashFinderEngine engine = closeLater(HashFinderEngine.newBuilder().threads(1).build());
    HashFinderServer server = closeLater(HashFinderServer.forPort(0).finder(engine).start());
    HashFinderCluster cluster = closeLater(
        HashFinderCluster.newBuilder("dns:///localhost:" + server.port()).build());

    assertThat(cluster.knownBackends()).isPositive();
    assertThat(cluster.readyBackends()).isEqualTo(cluster.knownBackends());
    assertThat(cluster.find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS).index())
        .isEqualTo(101);
  }

  @Test
  void aFrontsHealth_followsItsBackends() {
    HashFinderCluster cluster = cluster(servers("health-", 1, ResourceBudget.unlimited()));
    closeLater(HashFinderServer.inProcess("health-front").finder(cluster).start());
    ManagedChannel channel = InProcessChannelBuilder.forName("health-front").build();
    closeLater(channel::shutdownNow);
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(ServingStatus.SERVING);

    servers.get(0).close();

    await().atMost(Duration.ofSeconds(10)).until(() ->
        health.check(HealthCheckRequest.getDefaultInstance()).getStatus()
            == ServingStatus.NOT_SERVING);
  }

  @Test
  void serversThatRefuseTheClustersCredentials_endASearchAtOnce_namingWhy() {
    HashFinderEngine engine = closeLater(HashFinderEngine.newBuilder().threads(1).build());
    closeLater(HashFinderServer.inProcess("guarded-0").finder(engine)
        .bearerTokens(BearerTokens.of("the-token-0123456789")).start());
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder("guarded-0")
        .channelBuilder(InProcessChannelBuilder::forName)
        .unavailableGrace(Duration.ofMinutes(5)) // not waited for: no credentials come by waiting
        .build());

    CompletableFuture<Match> search = cluster.find(Query.of("aa", 0));

    assertThat(search).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
        .havingCause().isInstanceOf(FinderUnavailableException.class)
        .withMessageContaining("guarded-0: probe failed: UNAUTHENTICATED");
  }
}
