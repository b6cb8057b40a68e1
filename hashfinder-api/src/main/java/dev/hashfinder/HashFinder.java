package dev.hashfinder;

import java.util.concurrent.CompletableFuture;

/**
 * Searches the secrets 0, 1, 2, … (the empty string, then every string of bytes 0..254 by length
 * and then lexicographically) for one whose base64 digest comes within a {@link Query}'s distance
 * of its target.
 *
 * <p>The same interface is implemented by the local engine ({@code HashFinderEngine} in
 * {@code hashfinder-core}) and by a gRPC client ({@code hashfinder-grpc}), so code written against
 * it runs unchanged on either.
 *
 * <p>Every search ends exactly once, and its future says how. Each ending is a type of this
 * package, so code written against this interface never needs a transport's types to tell them
 * apart (a remote finder keeps the transport's status as the {@linkplain Throwable#getCause()
 * cause}):
 *
 * <ul>
 *   <li>completes normally: found (for {@link #find find}, with the answer);
 *   <li>fails with {@link BudgetExhaustedException}: a limit of the budget ran out;
 *   <li>fails with {@link DeadlineExceededException}: its time ran out;
 *   <li>is {@linkplain CompletableFuture#isCancelled() cancelled}: the future or the token was
 *       cancelled;
 *   <li>fails with {@link InvalidQueryException}, an {@link IllegalArgumentException}: the query
 *       does not fit this finder (an unknown digest, a target longer than the hash text, a target
 *       that no hash text can bring within the ideal distance); refused at once, nothing searched;
 *   <li>fails with {@link FinderBusyException}: the finder runs as many searches as it may; try
 *       again later;
 *   <li>fails with {@link FinderUnavailableException}: the finder is closed, shutting down or out
 *       of reach;
 *   <li>fails with {@link FinderFailedException}: the finder broke (a fault inside the engine,
 *       a remote server's internal error, a broken protocol);
 *   <li>fails with whatever a {@link MatchListener} threw, which ends a ranged search.
 * </ul>
 *
 * <p>Any completion the search did not produce itself stops the search too: cancelling the future
 * with or without {@code mayInterruptIfRunning}, cancelling the token, {@link
 * CompletableFuture#complete complete}, {@link CompletableFuture#completeExceptionally
 * completeExceptionally} or {@link CompletableFuture#orTimeout orTimeout}. The workers then stop
 * within milliseconds, as they do for a cancelled token.
 *
 * <p>Implementations are thread-safe.
 */
public interface HashFinder {

  /**
   * Starts a search for the lowest-index secret within {@code query.idealDistance()}.
   *
   * @param query what to look for
   * @param budget limits of this search; the finder's own limits apply too
   * @param token cancels the search when cancelled
   * @return the answer, when found
   */
  CompletableFuture<Match> find(Query query, ResourceBudget budget, CancellationToken token);

  /**
   * {@link #find(Query, ResourceBudget, CancellationToken)} under the finder's own budget, with a
   * token of its own: cancel the future to stop it.
   *
   * @param query what to look for
   * @return the answer, when found
   */
  default CompletableFuture<Match> find(Query query) {
    return find(query, ResourceBudget.unlimited(), new CancellationToken());
  }

  /**
   * Starts a ranged search: streams to {@code listener}, in index order, every secret whose
   * distance is above {@code query.idealDistance()} and at most {@code
   * query.interestingDistance()}, then the first secret within the ideal distance, and ends.
   *
   * <p>The returned future completes normally after the ideal match was delivered; whatever ends
   * the stream otherwise, the matches already delivered stay delivered.
   *
   * @param query what to look for
   * @param budget limits of this search; the finder's own limits apply too
   * @param token cancels the search when cancelled
   * @param listener takes the matches
   * @return completes when the stream has ended
   */
  CompletableFuture<Void> findRange(
      Query query, ResourceBudget budget, CancellationToken token, MatchListener listener);

  /**
   * {@link #findRange(Query, ResourceBudget, CancellationToken, MatchListener)} under the
   * finder's own budget.
   *
   * @param query what to look for
   * @param listener takes the matches
   * @return completes when the stream has ended
   */
  default CompletableFuture<Void> findRange(Query query, MatchListener listener) {
    return findRange(query, ResourceBudget.unlimited(), new CancellationToken(), listener);
  }
}
