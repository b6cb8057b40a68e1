package dev.hashfinder;

/**
 * Receives the matches a {@linkplain HashFinder#findRange ranged search} streams.
 *
 * <p>Called from a search thread, one call at a time and in index order, never after the
 * search's future completed. It may block to slow the search down (that is how a gRPC server
 * waits for a slow reader); the search then waits with it, holding at most a bounded look-ahead of
 * results. A listener that blocks should wake when the search is cancelled. If it throws, the
 * search stops and its future fails with that exception.
 */
@FunctionalInterface
public interface MatchListener {

  /**
   * Takes the next match.
   *
   * @param match the next match, in index order
   */
  void onMatch(Match match);
}
