package dev.hashfinder;

/**
 * A search ended because it used up a limit of its {@link ResourceBudget} before it found an
 * answer. This is an outcome, not a bug: a gRPC server reports it as {@code RESOURCE_EXHAUSTED}.
 *
 * <p>Immutable and thread-safe.
 */
public final class BudgetExhaustedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The limit that ran out. */
  public enum Limit {
    /**
     * {@link ResourceBudget#maxHashes()}: every candidate the budget allowed was examined, or
     * every one up to the end of the index space ({@link Long#MAX_VALUE}, which no search
     * reaches), whichever came first.
     */
    HASHES,
    /** {@link ResourceBudget#maxMatches()}: a ranged search streamed as many as allowed. */
    MATCHES
  }

  /** The limit that ran out. */
  private final Limit limit;
  /** Its value in the budget. */
  private final long limitValue;
  /** How many candidates the search examined. */
  private final long hashesExamined;

  /**
   * Creates the exception.
   *
   * @param limit the limit that ran out
   * @param limitValue its value in the budget
   * @param hashesExamined how many candidates the search examined
   */
  public BudgetExhaustedException(Limit limit, long limitValue, long hashesExamined) {
    super(message(limit, limitValue, hashesExamined));
    this.limit = limit;
    this.limitValue = limitValue;
    this.hashesExamined = hashesExamined;
  }

  private static String message(Limit limit, long limitValue, long hashesExamined) {
    return switch (limit) {
      case HASHES -> hashesExamined < limitValue
          ? "reached the end of the index space after examining " + hashesExamined
              + " hashes, within a budget of " + limitValue + " hashes"
          : "budget of " + limitValue + " hashes exhausted after examining " + hashesExamined
              + " hashes";
      case MATCHES -> "budget of " + limitValue + " streamed matches reached after examining "
          + hashesExamined + " hashes";
    };
  }

  /** {@return the limit that ran out} */
  public Limit limit() {
    return limit;
  }

  /** {@return the value of that limit} */
  public long limitValue() {
    return limitValue;
  }

  /** {@return how many candidates the search examined} */
  public long hashesExamined() {
    return hashesExamined;
  }
}
