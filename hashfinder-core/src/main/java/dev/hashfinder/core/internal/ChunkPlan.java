package dev.hashfinder.core.internal;

import static com.google.common.base.Preconditions.checkArgument;

import com.google.common.math.LongMath;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * How one search's indices are cut into ranges and dealt out, in index order, so that the answer
 * never depends on who examined which range or in what order they finished.
 *
 * <p>The same plan drives the engine's threads, which claim ranges of a fixed size, and a
 * cluster, which claims ranges sized from each server's measured rate and gives back the unproven
 * part of a range whose server failed. The rules are those of {@link dev.hashfinder.HashFinder}:
 *
 * <ul>
 *   <li>Ranges are dealt in index order; a range given back is dealt again before anything
 *       above it.
 *   <li>After a hit at index {@code i}, no range starting above {@code i} is dealt, and work above
 *       it may be {@linkplain #beyondBest abandoned}; every range below it runs to its end.
 *   <li>The lowest hit is the answer once every index below it is examined: the plan is then
 *       {@linkplain #settled() settled}. Without a hit it settles when every index is examined.
 *   <li>Each index counts once in {@link #examined()}, however often it was dealt.
 * </ul>
 *
 * <p>Thread-safe: every method may be called from any thread. A claim costs one short lock, taken
 * once per range (a millisecond of hashing or more), and {@link #beyondBest} reads a volatile.
 */
public final class ChunkPlan {
  private final long first;
  private final long end;

  private long neverDealt; // the first index never dealt; guarded by this
  private final TreeMap<Long, Long> givenBack = new TreeMap<>(); // start -> end; guarded by this
  private final TreeMap<Long, Long> finishedAhead = new TreeMap<>(); // above the front; by this
  private long front; // every index in [first, front) is examined; guarded by this
  private long examined; // guarded by this
  private volatile long bestHit = Long.MAX_VALUE;

  /**
   * A plan for the indices {@code [first, first + count)}; an end past {@link Long#MAX_VALUE}
   * is cut there.
   *
   * @param first the first index; {@code >= 0}
   * @param count how many indices; {@code >= 1}
   * @throws IllegalArgumentException if {@code first < 0} or {@code count < 1}
   */
  public ChunkPlan(long first, long count) {
    checkArgument(first >= 0, "first < 0: %s", first);
    checkArgument(count >= 1, "count < 1: %s", count);
    this.first = first;
    this.end = LongMath.saturatedAdd(first, count);
    this.neverDealt = first;
    this.front = first;
  }

  /**
   * A range of indices, {@code [start, end)}, with {@code start < end}.
   *
   * @param start the first index
   * @param end the index after the last
   */
  public record Range(long start, long end) {
    /**
     * Checks the bounds.
     *
     * @param start the first index
     * @param end one past the last index
     * @throws IllegalArgumentException if {@code start >= end} or {@code start < 0}
     */
    public Range {
      checkArgument(start >= 0 && start < end, "not a range: [%s, %s)", start, end);
    }

    /** {@return how many indices the range holds} */
    public long length() {
      return end - start;
    }

    @Override
    public String toString() {
      return "[" + start + ", " + end + ")";
    }
  }

  /** {@return the first index of the plan} */
  public long first() {
    return first;
  }

  /** {@return one past the last index of the plan} */
  public long end() {
    return end;
  }

  /**
   * Deals the next range, of at most {@code size} indices: the lowest range given back if there
   * is one, else the lowest never dealt.
   *
   * @param size the most indices to deal; {@code >= 1}
   * @param horizon deal nothing that starts at or above this index (a window ahead of whatever
   *     consumes the results in order); {@link Long#MAX_VALUE} for none
   * @return the range, or null if nothing can be dealt now: everything is dealt, the next range
   *     starts above the best hit, or at or above the horizon
   */
  public synchronized @Nullable Range claim(long size, long horizon) {
    checkArgument(size >= 1, "size < 1: %s", size);
    long limit = Math.min(horizon, bestHit == Long.MAX_VALUE ? Long.MAX_VALUE : bestHit + 1);
    Map.Entry<Long, Long> back = givenBack.firstEntry();
    if (back != null) {
      long start = back.getKey();
      if (start >= limit) {
        return null;
      }
      long stop = back.getValue() - start <= size ? back.getValue() : start + size;
      givenBack.remove(start);
      if (stop < back.getValue()) {
        givenBack.put(stop, back.getValue());
      }
      return new Range(start, stop);
    }
    if (neverDealt >= end || neverDealt >= limit) {
      return null;
    }
    long start = neverDealt;
    neverDealt = end - start <= size ? end : start + size;
    return new Range(start, neverDealt);
  }

  /**
   * {@link #claim(long, long)} without a horizon.
   *
   * @param size the most indices to deal; {@code >= 1}
   * @return the range, or null if nothing can be dealt now
   */
  public @Nullable Range claim(long size) {
    return claim(size, Long.MAX_VALUE);
  }

  /**
   * Whether nothing is left to deal: every index below the best hit (or the end) is dealt and
   * nothing was given back. Ranges in progress may still finish or be given back, which deals
   * again.
   *
   * @return true if {@link #claim} would return null whatever its horizon
   */
  public synchronized boolean allDealt() {
    long limit = bestHit == Long.MAX_VALUE ? end : Math.min(end, bestHit + 1);
    return (givenBack.isEmpty() || givenBack.firstKey() >= limit) && neverDealt >= limit;
  }

  /**
   * Records that {@code [start, stop)} was examined; for a range that ended at a hit, {@code stop}
   * is one past the hit.
   *
   * @param start the first index examined
   * @param stop one past the last index examined; {@code start < stop}
   */
  public synchronized void finished(long start, long stop) {
    if (start >= stop) {
      return;
    }
    examined += stop - start;
    if (start != front) {
      finishedAhead.put(start, stop);
      return;
    }
    front = stop;
    for (Map.Entry<Long, Long> next = finishedAhead.firstEntry();
        next != null && next.getKey() == front;
        next = finishedAhead.firstEntry()) {
      front = next.getValue();
      finishedAhead.pollFirstEntry();
    }
  }

  /**
   * Gives {@code [start, stop)} back, unexamined, to be dealt again before anything above it: the
   * part of a range whose examiner failed beyond what it proved.
   *
   * @param start the first index not proven examined
   * @param stop one past the last index of the range; {@code start < stop}
   */
  public synchronized void giveBack(long start, long stop) {
    if (start < stop) {
      givenBack.put(start, stop);
    }
  }

  /**
   * Records a qualifying index.
   *
   * @param index the index that qualifies
   * @return whether it is the lowest so far, the answer if the plan settles without a lower one
   */
  public synchronized boolean hit(long index) {
    if (index < bestHit) {
      bestHit = index;
      return true;
    }
    return false;
  }

  /** {@return the lowest qualifying index so far, or {@link Long#MAX_VALUE} if there is none} */
  public long bestHit() {
    return bestHit;
  }

  /**
   * Whether examining {@code index} can no longer change the answer: a lower hit is known.
   * Cheap enough to ask every thousand candidates.
   *
   * @param index an index about to be examined
   * @return true if it lies above the best hit
   */
  public boolean beyondBest(long index) {
    return index > bestHit;
  }

  /**
   * {@return how many indices are still to deal}: those never dealt below the end (and the best
   * hit) and those given back. A dealer shrinks its ranges as this runs low, so that the last
   * ones end together.
   */
  public synchronized long undealt() {
    long limit = bestHit == Long.MAX_VALUE ? end : Math.min(end, bestHit + 1);
    long count = Math.max(0, limit - neverDealt);
    for (Map.Entry<Long, Long> back : givenBack.entrySet()) {
      count += Math.max(0, Math.min(limit, back.getValue()) - back.getKey());
    }
    return count;
  }

  /** {@return the lowest index not yet examined: every index below it was} */
  public synchronized long front() {
    return front;
  }

  /**
   * Whether the search's outcome is known: every index up to the best hit was examined (the
   * hit is the answer), or every index was examined and there is no hit.
   *
   * @return true once nothing outstanding can change the outcome
   */
  public synchronized boolean settled() {
    return bestHit != Long.MAX_VALUE ? front > bestHit : front >= end;
  }

  /** {@return how many distinct indices were examined, each counted once} */
  public synchronized long examined() {
    return examined;
  }

  @Override
  public synchronized String toString() {
    return "ChunkPlan{[" + first + ", " + end + "), front=" + front + ", neverDealt=" + neverDealt
        + ", givenBack=" + givenBack.size() + ", bestHit="
        + (bestHit == Long.MAX_VALUE ? "none" : bestHit) + "}";
  }
}
