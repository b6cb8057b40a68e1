package dev.hashfinder;

/**
 * A search ended because its time ran out: the {@linkplain ResourceBudget#timeout() budget's
 * timeout} or a remote call's deadline. A gRPC server reports it as {@code DEADLINE_EXCEEDED}.
 *
 * <p>Immutable and thread-safe.
 */
public final class DeadlineExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** How many candidates the search examined, or {@code -1} if unknown. */
  private final long hashesExamined;

  /**
   * Creates the exception.
   *
   * @param message what ran out, for people
   * @param hashesExamined how many candidates the search examined, or {@code -1} if unknown
   */
  public DeadlineExceededException(String message, long hashesExamined) {
    super(message);
    this.hashesExamined = hashesExamined;
  }

  /** {@return how many candidates the search examined, or {@code -1} if its source did not say} */
  public long hashesExamined() {
    return hashesExamined;
  }
}
