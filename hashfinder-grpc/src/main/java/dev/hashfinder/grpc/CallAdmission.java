package dev.hashfinder.grpc;

import dev.hashfinder.FinderBusyException;
import java.util.Optional;

/**
 * Who makes a call and whether they may start another search: the policy behind per-caller
 * shares of a {@link HashFinderService}'s search slots. The service asks it for the current
 * call's caller (for its log line), then, once the request is valid and a slot is free, for a
 * {@link Permit}, which it releases when the search has ended. A networked server plugs in a
 * policy that knows callers by token, certificate or network; the default, {@link #OPEN}, knows no
 * caller and admits every call.
 *
 * <p>Implementations are thread-safe; {@link #caller()} and {@link #admit} run on the call's
 * thread, within its gRPC {@code Context}.
 */
public interface CallAdmission {
  /** Knows no caller, and admits every call. */
  CallAdmission OPEN = new CallAdmission() {
    @Override
    public Optional<String> caller() {
      return Optional.empty();
    }

    @Override
    public Permit admit(String caller) {
      return () -> { };
    }
  };

  /** {@return the current call's caller, as logs name it; empty if this policy knows none} */
  Optional<String> caller();

  /**
   * Admits a search for {@code caller}, as {@link #caller()} named it.
   *
   * @param caller the current call's caller
   * @return the permit, to release once the search has ended
   * @throws FinderBusyException if the caller may not start another search now; its message says
   *     why, and the call ends {@code RESOURCE_EXHAUSTED}
   */
  Permit admit(String caller);

  /** A search's admission, held while the search runs. */
  @FunctionalInterface
  interface Permit {
    /** Gives the search's slot back; called once, when the search has ended. */
    void release();
  }
}
