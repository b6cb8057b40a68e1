package dev.hashfinder.cluster;

import dev.hashfinder.HashFinder;
import dev.hashfinder.core.HashFinderContract;
import dev.hashfinder.core.HashFinderEngine;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The contract, on a cluster of three in-process servers in front of the test's engine: every
 * answer, stream, budget and ending is the one engine's.
 */
class ClusterContractTest extends HashFinderContract {
  private static final AtomicInteger deployments = new AtomicInteger();

  @Override
  protected HashFinder deploy(HashFinderEngine engine) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String name = "cluster-contract-" + deployments.incrementAndGet();
      closeLater(InProcessBackend.start(name, engine));
      names.add(name);
    }
    return closeLater(HashFinderCluster.newBuilder(String.join(",", names))
        .channelBuilder(InProcessChannelBuilder::forName)
        .budget(engine.budget())
        .rangeDuration(Duration.ofMillis(100))
        .unavailableGrace(Duration.ofSeconds(1))
        .build());
  }
}
