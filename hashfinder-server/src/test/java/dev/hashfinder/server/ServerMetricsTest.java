package dev.hashfinder.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.grpc.BearerTokenCredentials;
import dev.hashfinder.grpc.HashFinderClient;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The metrics a server records: gRPC's standard ones and hashfinder's own. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerMetricsTest {
  private final InMemoryMetricReader reader = InMemoryMetricReader.create();
  private final OpenTelemetrySdk openTelemetry = OpenTelemetrySdk.builder()
      .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
      .build();
  private final HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1)
      .budget(ResourceBudget.ofHashes(10_000)).build();
  private final HashFinderServer server = HashFinderServer.inProcess("metrics-test")
      .finder(engine).openTelemetry(openTelemetry).start();
  private final ManagedChannel channel =
      InProcessChannelBuilder.forName("metrics-test").directExecutor().build();
  private final HashFinderClient client = HashFinderClient.create(channel);

  @AfterEach
  void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    engine.close();
    openTelemetry.close();
  }

  private Map<String, MetricData> metrics() {
    return reader.collectAllMetrics().stream()
        .collect(Collectors.toMap(MetricData::getName, metric -> metric));
  }

  private static Map<String, Long> callsByOutcome(MetricData calls) {
    return calls.getLongSumData().getPoints().stream().collect(Collectors.toMap(
        point -> point.getAttributes().get(AttributeKey.stringKey("outcome")),
        LongPointData::getValue));
  }

  @Test
  void eachEnding_isCountedByOutcome_withHashesAndRunningSearches() throws Exception {
    Match found = client.find(Query.of("aa", 0)).get(30, TimeUnit.SECONDS);
    client.find(Query.of("hashfinder", 0)).handle((m, e) -> e).get(30, TimeUnit.SECONDS);
    client.find(Query.of("a b", 0)).handle((m, e) -> e).get(30, TimeUnit.SECONDS);

    Map<String, MetricData> metrics = metrics();

    assertThat(found.index()).isEqualTo(101);
    assertThat(callsByOutcome(metrics.get("hashfinder.calls")))
        .containsOnly(Map.entry("found", 1L), Map.entry("exhausted", 1L),
            Map.entry("refused", 1L));
    assertThat(metrics.get("hashfinder.hashes.examined").getLongSumData().getPoints())
        .singleElement().satisfies(point ->
            assertThat(point.getValue()).isEqualTo(engine.hashesExamined()).isPositive());
    assertThat(metrics.get("hashfinder.searches.running").getLongSumData().getPoints())
        .singleElement().satisfies(point -> assertThat(point.getValue()).isZero());
    assertThat(metrics).containsKeys("grpc.server.call.started", "grpc.server.call.duration");
  }

  @Test
  void refusals_deadlines_unauthenticatedCalls_andAStoppingServer_areCountedApart()
      throws Exception {
    HashFinderEngine unlimited = HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build();
    HashFinderServer other = HashFinderServer.inProcess("metrics-test-refusals")
        .finder(unlimited).openTelemetry(openTelemetry).maxConcurrentSearches(1)
        .bearerTokens(BearerTokens.of("token-0123456789")).start();
    ManagedChannel otherChannel =
        InProcessChannelBuilder.forName("metrics-test-refusals").directExecutor().build();
    try {
      HashFinderClient anonymous = HashFinderClient.create(otherChannel);
      HashFinderClient client =
          anonymous.withCallCredentials(BearerTokenCredentials.of("token-0123456789"));
      CancellationToken token = new CancellationToken();
      client.find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token);
      await().atMost(Duration.ofSeconds(20)).until(() -> other.service().runningSearches() == 1);

      client.find(Query.of("hashfinder", 0)).handle((m, e) -> e).get(30, TimeUnit.SECONDS);
      anonymous.find(Query.of("aa", 0)).handle((m, e) -> e).get(30, TimeUnit.SECONDS);
      token.cancel();
      await().atMost(Duration.ofSeconds(20)).until(() -> other.service().runningSearches() == 0);
      client.find(Query.of("hashfinder", 0), ResourceBudget.unlimited()
          .withTimeout(Duration.ofMillis(200)), new CancellationToken())
          .handle((m, e) -> e).get(30, TimeUnit.SECONDS);
      // The client gave up at its deadline; the server ends the search a moment later.
      await().atMost(Duration.ofSeconds(20)).until(() -> other.service().runningSearches() == 0);
      other.service().shutdown();
      client.find(Query.of("aa", 0)).handle((m, e) -> e).get(30, TimeUnit.SECONDS);

      Map<String, Long> outcomes = callsByOutcome(metrics().get("hashfinder.calls"));
      assertThat(outcomes).containsEntry("refused", 1L).containsEntry("unauthenticated", 1L)
          .containsEntry("cancelled", 1L).containsEntry("deadline", 1L)
          .containsEntry("unavailable", 1L);
    } finally {
      otherChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      other.close();
      unlimited.close();
    }
  }

  @Test
  void aCancelledSearch_isCounted_withItsCancelToIdleTime() throws Exception {
    HashFinderEngine unlimited = HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build();
    try (HashFinderServer other = HashFinderServer.inProcess("metrics-test-cancel")
        .finder(unlimited).openTelemetry(openTelemetry).start()) {
      ManagedChannel otherChannel =
          InProcessChannelBuilder.forName("metrics-test-cancel").directExecutor().build();
      CancellationToken token = new CancellationToken();
      CompletableFuture<Match> search = HashFinderClient.create(otherChannel)
          .find(Query.of("hashfinder", 0), ResourceBudget.unlimited(), token);
      await().atMost(Duration.ofSeconds(20)).until(() -> unlimited.hashesExamined() > 0);

      token.cancel();
      await().atMost(Duration.ofSeconds(20)).until(() -> unlimited.activeSearches() == 0
          && other.service().runningSearches() == 0);

      Map<String, MetricData> metrics = metrics();
      assertThat(search).isCancelled();
      assertThat(callsByOutcome(metrics.get("hashfinder.calls")))
          .containsEntry("cancelled", 1L);
      assertThat(metrics.get("hashfinder.cancel_to_idle").getHistogramData().getPoints())
          .singleElement().satisfies(point -> {
            assertThat(point.getCount()).isEqualTo(1);
            assertThat(point.getSum()).isPositive().isLessThan(5.0);
          });
      otherChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } finally {
      unlimited.close();
    }
  }
}
