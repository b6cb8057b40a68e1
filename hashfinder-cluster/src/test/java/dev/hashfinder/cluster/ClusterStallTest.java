package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import io.grpc.ForwardingChannelBuilder2;
import io.grpc.ManagedChannelBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a cluster does about a backend that goes silent (a dead host, a partitioned network): it
 * stops dealing to it until it answers again, holds a new backend's first range to what its
 * measured peers say, and pings every backend's connection.
 */
class ClusterStallTest {
  private static final Query UNREACHABLE = Query.of("hashfinder", 0);
  private final List<AutoCloseable> closeables = new ArrayList<>();

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

  private HashFinderEngine engine() {
    return closeLater(HashFinderEngine.newBuilder().threads(1)
        .budget(ResourceBudget.unlimited()).build());
  }

  /** An in-process server whose responses {@code partition} can hold back. */
  private void server(String name, SilentPartition partition) {
    closeLater(InProcessBackend.start(name, engine(), partition));
  }

  @Test
  void aRangeThatStalls_takesItsBackendOutOfTheDealing_untilItAnswersAgain() throws Exception {
    SilentPartition silent = new SilentPartition();
    SilentPartition other = new SilentPartition();
    server("stall-silent", silent);
    server("stall-other", other);
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder("stall-silent,stall-other")
        .channelBuilder(InProcessChannelBuilder::forName)
        .budget(ResourceBudget.unlimited())
        .rangeDuration(Duration.ofMillis(50))
        .unavailableGrace(Duration.ofMinutes(1))
        .build());
    CancellationToken token = new CancellationToken();
    CompletableFuture<Match> search = cluster.find(UNREACHABLE, ResourceBudget.unlimited(), token);
    await().atMost(Duration.ofSeconds(30)).until(() -> silent.ranges() >= 3);

    silent.cut();

    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.readyBackends() == 1);
    int dealtBeforeItsStall = silent.ranges(); // some after the cut, before it could show
    int othersRanges = other.ranges();
    await().atMost(Duration.ofSeconds(30)).until(() -> other.ranges() >= othersRanges + 10);
    assertThat(silent.ranges()).as("ranges dealt to the silent backend once a range stalled")
        .isEqualTo(dealtBeforeItsStall);

    silent.heal();

    await().atMost(Duration.ofSeconds(30)).until(() -> silent.ranges() > dealtBeforeItsStall);
    assertThat(cluster.readyBackends()).isEqualTo(2);
    assertThat(search).isNotDone();
    token.cancel();
  }

  @Test
  void aBackendsFirstRange_isHeldToItsMeasuredPeersRate_notToTenRangeDurations()
      throws Exception {
    server("first-measured", new SilentPartition());
    HashFinderCluster cluster = closeLater(
        HashFinderCluster.newBuilder("first-measured,first-late") // the second is not up yet
            .channelBuilder(InProcessChannelBuilder::forName)
            .budget(ResourceBudget.unlimited())
            .rangeDuration(Duration.ofSeconds(1))
            .build());
    assertThat(cluster.find(UNREACHABLE, ResourceBudget.ofHashes(1_000_000),
        new CancellationToken())).failsWithin(Duration.ofSeconds(30)); // budget: one is measured
    SilentPartition late = new SilentPartition();
    server("first-late", late);
    await().atMost(Duration.ofSeconds(30)).until(() -> cluster.readyBackends() == 2);
    CancellationToken token = new CancellationToken();

    cluster.find(UNREACHABLE, ResourceBudget.unlimited(), token);

    await().atMost(Duration.ofSeconds(30)).until(() -> late.ranges() >= 1);
    token.cancel();
    assertThat(late.rangeDeadlinesMillis.get(0))
        .as("the late backend's first range's deadline, ms: three range durations, not ten")
        .isLessThanOrEqualTo(3_000);
  }

  @Test
  void everyBackendsChannel_pingsItsBackend() {
    server("ping-0", new SilentPartition());
    Map<String, Long> keepalive = new ConcurrentHashMap<>();
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder("ping-0")
        .channelBuilder(target -> new RecordingChannelBuilder(target, keepalive))
        .build());

    assertThat(cluster.readyBackends()).isOne();
    assertThat(keepalive).containsExactlyInAnyOrderEntriesOf(Map.of(
        "time", ClusterBackend.KEEPALIVE_TIME.toNanos(),
        "timeout", ClusterBackend.KEEPALIVE_TIMEOUT.toNanos()));
  }

  /** An in-process channel builder that records the keepalive it is asked for. */
  private static final class RecordingChannelBuilder
      extends ForwardingChannelBuilder2<RecordingChannelBuilder> {
    private final InProcessChannelBuilder delegate;
    private final Map<String, Long> keepalive;

    RecordingChannelBuilder(String target, Map<String, Long> keepalive) {
      this.delegate = InProcessChannelBuilder.forName(target);
      this.keepalive = keepalive;
    }

    @Override
    protected ManagedChannelBuilder<?> delegate() {
      return delegate;
    }

    @Override
    public RecordingChannelBuilder keepAliveTime(long time, TimeUnit unit) {
      keepalive.put("time", unit.toNanos(time));
      return super.keepAliveTime(time, unit);
    }

    @Override
    public RecordingChannelBuilder keepAliveTimeout(long timeout, TimeUnit unit) {
      keepalive.put("timeout", unit.toNanos(timeout));
      return super.keepAliveTimeout(timeout, unit);
    }
  }
}
