package dev.hashfinder;

import org.jspecify.annotations.Nullable;

/**
 * A search ended with a fault of the finder rather than an outcome of the search: the engine
 * failed inside (its digest or its native kernel threw; the cause says what), a remote server
 * answered with an error status that no other outcome stands for ({@code INTERNAL}, {@code
 * UNKNOWN}, a {@code CANCELLED} this side did not ask for), or broke the protocol.
 *
 * <p>Immutable and thread-safe.
 */
public final class FinderFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, for people
   * @param cause the underlying failure, such as a remote server's status; may be null
   */
  public FinderFailedException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
