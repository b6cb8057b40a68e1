package dev.hashfinder;

import org.jspecify.annotations.Nullable;

/**
 * A search was refused because the finder already runs as many searches as it may: busy, try
 * again later. Nothing was searched. A gRPC server reports it as {@code RESOURCE_EXHAUSTED} with
 * the reason {@code TOO_MANY_SEARCHES}.
 *
 * <p>Immutable and thread-safe.
 */
public final class FinderBusyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what refused the search, for people
   * @param cause where the refusal came from, such as a remote server's status; may be null
   */
  public FinderBusyException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
