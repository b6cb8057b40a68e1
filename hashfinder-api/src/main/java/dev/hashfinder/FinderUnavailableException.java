package dev.hashfinder;

import org.jspecify.annotations.Nullable;

/**
 * A search could not run, or was cut short, because the finder is gone: a closed engine, a server
 * shutting down, a server that cannot be reached. Unlike {@link FinderBusyException}, trying the
 * same finder again is unlikely to help; another one might. A gRPC server reports it as {@code
 * UNAVAILABLE}.
 *
 * <p>Immutable and thread-safe.
 */
public final class FinderUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is gone, for people
   * @param cause where that was learnt, such as a remote server's status; may be null
   */
  public FinderUnavailableException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
