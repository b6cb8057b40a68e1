package dev.hashfinder.server;

import dev.hashfinder.grpc.CallObserver;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * hashfinder's own server metrics, through the OpenTelemetry API: searches running, calls by
 * outcome, cancel-to-idle time and, when the finder counts them, hashes examined. Without an
 * SDK they cost nothing. Thread-safe.
 */
final class ServiceMetrics implements CallObserver {
  private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
  /** Each ending as the {@code outcome} attribute names it. */
  private static final Map<Outcome, Attributes> OUTCOMES = outcomes();
  /** A call the server refused before the service saw it: no accepted bearer token. */
  private static final Attributes UNAUTHENTICATED = Attributes.of(OUTCOME, "unauthenticated");

  static final ServiceMetrics NONE = new ServiceMetrics(OpenTelemetry.noop());

  private final Meter meter;
  private final LongCounter calls;
  private final DoubleHistogram cancelToIdle;

  ServiceMetrics(OpenTelemetry openTelemetry) {
    meter = openTelemetry.getMeter("dev.hashfinder.grpc");
    calls = meter.counterBuilder("hashfinder.calls")
        .setDescription("Calls to hash_name.HashFinder by how they ended")
        .setUnit("{call}")
        .build();
    cancelToIdle = meter.histogramBuilder("hashfinder.cancel_to_idle")
        .setDescription("From a search's cancellation to its workers being free")
        .setUnit("s")
        .setExplicitBucketBoundariesAdvice(
            List.of(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0))
        .build();
  }

  /** Reports the number of running searches, read when metrics are collected. */
  void observeRunning(IntSupplier running) {
    meter.upDownCounterBuilder("hashfinder.searches.running")
        .setDescription("Searches running now")
        .setUnit("{search}")
        .buildWithCallback(measurement -> measurement.record(running.getAsInt()));
  }

  /** Reports a finder's total of hashes examined, read when metrics are collected. */
  void observeHashes(LongSupplier hashesExamined) {
    meter.counterBuilder("hashfinder.hashes.examined")
        .setDescription("Candidates hashed by the engine since it started")
        .setUnit("{hash}")
        .buildWithCallback(measurement -> measurement.record(hashesExamined.getAsLong()));
  }

  @Override
  public void ended(Outcome outcome) {
    calls.add(1, OUTCOMES.get(outcome));
  }

  /** Counts a call refused for want of an accepted bearer token. */
  void unauthenticated() {
    calls.add(1, UNAUTHENTICATED);
  }

  @Override
  public void cancelledToIdle(long nanos) {
    cancelToIdle.record(nanos / 1e9);
  }

  private static Map<Outcome, Attributes> outcomes() {
    Map<Outcome, Attributes> outcomes = new EnumMap<>(Outcome.class);
    for (Outcome outcome : Outcome.values()) {
      outcomes.put(outcome, Attributes.of(OUTCOME, outcome.name().toLowerCase(Locale.ROOT)));
    }
    return outcomes;
  }
}
