package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hashfinder.CancellationToken;
import dev.hashfinder.Match;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.cluster.ForgingBackend.Forgery;
import dev.hashfinder.core.HashFinderEngine;
import dev.hashfinder.server.HashFinderServer;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster whose first backend sends a message over the size a response may have, on a loopback
 * port: only a network channel enforces the cap. The answer is still one engine's, and the
 * forger is dropped with one WARNING naming it and why.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterNetworkForgeryTest {
  private static final Logger CLUSTER_LOG = Logger.getLogger("dev.hashfinder.cluster");

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Handler recorder = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeEach
  void recordWarnings() {
    CLUSTER_LOG.addHandler(recorder);
  }

  @AfterEach
  void close() throws Exception {
    CLUSTER_LOG.removeHandler(recorder);
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

  @Test
  void aBackendThatSendsAnOversizedMessage_isDroppedWithOneWarning_andFindGivesOneEnginesAnswer()
      throws Exception {
    ForgingBackend forger = new ForgingBackend(Forgery.OVERSIZED, engine());
    Server forging = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(forger).build().start();
    closeLater(() -> forging.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    String fake = "127.0.0.1:" + forging.getPort();
    List<String> targets = new ArrayList<>(List.of(fake));
    for (int i = 0; i < 2; i++) {
      targets.add("127.0.0.1:"
          + closeLater(HashFinderServer.forPort(0).finder(engine()).start()).port());
    }
    HashFinderCluster cluster = closeLater(HashFinderCluster.newBuilder(String.join(",", targets))
        .budget(ResourceBudget.unlimited())
        .rangeDuration(Duration.ofMillis(50))
        .unavailableGrace(Duration.ofSeconds(5))
        .build());
    Query query = Query.of("aa", 0);

    Match answer = cluster.find(query, ResourceBudget.ofHashes(2_000_000),
        new CancellationToken()).get(60, TimeUnit.SECONDS);

    assertThat(answer).isEqualTo(engine().find(query).get(30, TimeUnit.SECONDS));
    assertThat(forger.requests).as("the forger was dealt a range")
        .anyMatch(request -> !ForgingBackend.isProbe(request));
    assertThat(warnings.stream().map(LogRecord::getMessage)
        .filter(message -> message.contains("backend " + fake + " ")).toList())
        .singleElement().asString()
        .startsWith("backend " + fake + " is dropped: it " + Forgery.OVERSIZED.warning)
        .endsWith("; its ranges are dealt again, and it takes no work until it passes the probe "
            + "again, in 10s");
  }
}
