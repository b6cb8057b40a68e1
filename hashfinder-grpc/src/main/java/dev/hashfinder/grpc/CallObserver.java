package dev.hashfinder.grpc;

/**
 * Learns how each call of a {@link HashFinderService} ended, and how long a cancelled search took
 * to free its workers: what a server turns into metrics. The default, {@link #NONE}, ignores both.
 *
 * <p>Implementations are thread-safe and quick: they run on the thread that ends the call. An
 * exception one throws is logged by the service and changes nothing for the call: it still gets
 * its outcome, and its slot is freed.
 */
public interface CallObserver {
  /** Ignores every call. */
  CallObserver NONE = new CallObserver() {
    @Override
    public void ended(Outcome outcome) {
    }
  };

  /** How a call ended. */
  enum Outcome {
    /** The search found its answer ({@code OK}). */
    FOUND,
    /** The budget ran out first ({@code RESOURCE_EXHAUSTED}, budget exhausted). */
    EXHAUSTED,
    /** The client cancelled or went away ({@code CANCELLED}). */
    CANCELLED,
    /** A deadline passed: the client's, or the service's maximum call duration. */
    DEADLINE,
    /** The client read no response for the stalled-stream timeout. */
    STALLED,
    /** Refused without a search: an invalid request, or no free slot. */
    REFUSED,
    /** The service or the finder could not serve it ({@code UNAVAILABLE}). */
    UNAVAILABLE,
    /** The search failed otherwise. */
    FAILED
  }

  /**
   * Called once for each call the service answered, refused ones included.
   *
   * @param outcome how it ended
   */
  void ended(Outcome outcome);

  /**
   * Called when a cancelled search's workers are free; by default, ignored.
   *
   * @param nanos the time from the cancellation to the search's end, in nanoseconds
   */
  default void cancelledToIdle(long nanos) {
  }
}
