package dev.hashfinder.core.internal;

import dev.hashfinder.BudgetExhaustedException;
import dev.hashfinder.Match;
import dev.hashfinder.MatchListener;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Delivers a ranged search's matches to its listener in index order, whatever order its ranges
 * were examined in: each examined range is handed in as a {@link Piece} keyed by its first index,
 * and a piece is delivered once every piece below it was. The listener so sees the stream a
 * sequential search would give, up to the first ideal match, and at most the budget's {@code
 * maxMatches} matches.
 *
 * <p>Thread-compatible: the caller serializes {@link #put}, {@link #waiting} and {@link #takeNext}
 * (with a lock or a sequential executor); {@link #deliver} may run outside that lock, by one
 * thread at a time. {@link #nextToEmit} may be read from any thread.
 */
public final class InOrderDelivery {
  /**
   * The indices {@code [start, end)} of a search, examined, and their matches in index order.
   *
   * @param end one past the last index examined
   * @param matches the matches, in index order
   * @param endsWithIdeal whether the last match is ideal, which ends the search's stream
   */
  public record Piece(long end, List<Match> matches, boolean endsWithIdeal) {
    /**
     * Copies the matches.
     *
     * @param end one past the last index examined
     * @param matches the matches, in index order
     * @param endsWithIdeal whether the last match is ideal
     */
    public Piece {
      matches = List.copyOf(matches);
    }
  }

  /** How a {@link #deliver} ended. */
  public enum Step {
    /** The piece was delivered and the stream goes on past it. */
    NEXT,
    /** The piece's ideal match was delivered: the stream is complete. */
    FOUND,
    /** The search stopped before the piece was delivered whole. */
    STOPPED
  }

  private final MatchListener listener;
  private final long maxMatches;
  private final Map<Long, Piece> ready = new HashMap<>();
  private volatile long nextToEmit;
  private long delivered; // touched by whoever delivers

  /**
   * A delivery that starts at {@code first}.
   *
   * @param first the first index of the search
   * @param maxMatches the most matches to deliver
   * @param listener the search's listener
   */
  public InOrderDelivery(long first, long maxMatches, MatchListener listener) {
    this.nextToEmit = first;
    this.maxMatches = maxMatches;
    this.listener = listener;
  }

  /**
   * Hands in an examined range.
   *
   * @param start the range's first index
   * @param piece what it found
   */
  public void put(long start, Piece piece) {
    ready.put(start, piece);
  }

  /** {@return how many pieces wait for a lower one to be delivered} */
  public int waiting() {
    return ready.size();
  }

  /** {@return the first index of the piece to deliver next} */
  public long nextToEmit() {
    return nextToEmit;
  }

  /** {@return the piece to deliver next, taken out, or null if it has not come in} */
  public @Nullable Piece takeNext() {
    return ready.remove(nextToEmit);
  }

  /**
   * Delivers a piece {@linkplain #takeNext taken} to the listener, one match at a time, and moves
   * past it unless it ends the stream.
   *
   * @param piece the piece
   * @param stopped whether the search stopped, asked before each match
   * @param examined how many indices the search examined, for the exception's count
   * @return how the delivery ended
   * @throws BudgetExhaustedException if {@code maxMatches} were delivered and another is due
   * @throws RuntimeException whatever the listener threw: the search ends with it as it is
   */
  public Step deliver(Piece piece, BooleanSupplier stopped, LongSupplier examined) {
    for (Match match : piece.matches()) {
      if (stopped.getAsBoolean()) {
        return Step.STOPPED;
      }
      if (delivered >= maxMatches) {
        throw new BudgetExhaustedException(
            BudgetExhaustedException.Limit.MATCHES, maxMatches, examined.getAsLong());
      }
      listener.onMatch(match);
      delivered++;
    }
    if (piece.endsWithIdeal()) {
      return Step.FOUND;
    }
    nextToEmit = piece.end();
    return Step.NEXT;
  }

  /**
   * Delivers every consecutive piece that has come in: {@link #takeNext} and {@link #deliver}
   * until one is missing or the stream ends.
   *
   * @param stopped whether the search stopped, asked before each match
   * @param examined how many indices the search examined, for the exception's count
   * @return {@link Step#NEXT} if it waits for a piece, else how the last delivery ended
   * @throws BudgetExhaustedException if {@code maxMatches} were delivered and another is due
   * @throws RuntimeException whatever the listener threw
   */
  public Step deliverReady(BooleanSupplier stopped, LongSupplier examined) {
    for (Piece piece = takeNext(); piece != null; piece = takeNext()) {
      Step step = deliver(piece, stopped, examined);
      if (step != Step.NEXT) {
        return step;
      }
    }
    return Step.NEXT;
  }
}
