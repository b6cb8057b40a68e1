package dev.hashfinder.cluster;

import com.google.common.base.Ticker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Virtual time for a simulated cluster: a priority queue of events by virtual nanosecond, run one
 * at a time on the caller's thread by {@link #runUntil}, which moves the clock to each event's
 * time. Nothing sleeps: a minute of a cluster's work runs as fast as its events do.
 *
 * <p>It is both the cluster's {@link ScheduledExecutorService} (its events, ticks, backoff and
 * deadlines) and the simulated world's ({@link #world}: the backends' work, the network), and it
 * keeps them apart: the real CPU time of the cluster's events is measured with {@link
 * ThreadMXBean} (the world's is not), and counted per event. The cluster's thread can also be
 * {@linkplain #chargeCoordinator charged} virtual time for its work: its next event then waits
 * until it is done, as on a real thread that is busy.
 *
 * <p>Not thread-safe: one thread runs the simulation.
 */
final class VirtualTime extends AbstractExecutorService implements ScheduledExecutorService {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private long now;
  private long sequence;
  private boolean shutdown;
  private long coordinatorEvents;
  private long worldEvents;
  private long coordinatorCpuNanos;
  private final boolean measureCpu;
  private long coordinatorFreeAt; // when the cluster's one thread has done what it was charged
  private long charged; // what the running event was charged so far

  /** @param measureCpu whether to measure the CPU time of the cluster's events */
  VirtualTime(boolean measureCpu) {
    this.measureCpu = measureCpu;
  }

  /** {@return the virtual clock, in nanoseconds} */
  Ticker ticker() {
    return new Ticker() {
      @Override
      public long read() {
        return now;
      }
    };
  }

  long now() {
    return now;
  }

  /** An event: the cluster's or the world's, due at a virtual time; a periodic one recurs. */
  private final class Event extends FutureTask<Void> implements ScheduledFuture<Void> {
    long due;
    long order = sequence++;
    final long periodNanos; // > 0 for a fixed delay
    final boolean world;

    Event(Runnable task, long due, long periodNanos, boolean world) {
      super(task, null);
      this.due = due;
      this.periodNanos = periodNanos;
      this.world = world;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - now, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      Event that = (Event) other;
      int byTime = Long.compare(due, that.due);
      return byTime != 0 ? byTime : Long.compare(order, that.order);
    }

    @Override
    public void run() {
      if (periodNanos <= 0) {
        super.run();
      } else if (runAndReset() && !shutdown) {
        due = now + periodNanos; // the same future, so that cancelling it ends the series
        order = sequence++;
        events.add(this);
      }
    }
  }

  /** Schedules a world event (a backend's work, a message on the network) after {@code nanos}. */
  ScheduledFuture<?> world(long nanos, Runnable task) {
    Event event = new Event(task, now + Math.max(0, nanos), 0, true);
    events.add(event);
    return event;
  }

  /**
   * Runs events in virtual-time order until {@code done} holds or the clock would pass {@code
   * limitNanos}.
   *
   * @return whether {@code done} holds
   */
  boolean runUntil(BooleanSupplier done, long limitNanos) {
    while (!done.getAsBoolean()) {
      Event next = events.peek();
      if (next == null || next.due > limitNanos) {
        now = Math.max(now, limitNanos);
        return done.getAsBoolean();
      }
      events.poll();
      if (next.isCancelled()) {
        continue;
      }
      if (!next.world && next.due < coordinatorFreeAt) {
        next.due = coordinatorFreeAt; // the cluster's thread is still busy
        next.order = sequence++;
        events.add(next);
        continue;
      }
      now = next.due;
      if (next.world) {
        worldEvents++;
        next.run();
      } else {
        coordinatorEvents++;
        charged = 0;
        if (measureCpu) {
          long before = THREADS.getCurrentThreadCpuTime();
          next.run();
          coordinatorCpuNanos += THREADS.getCurrentThreadCpuTime() - before;
        } else {
          next.run();
        }
        coordinatorFreeAt = now + charged;
      }
      rethrow(next);
    }
    return true;
  }

  private static void rethrow(Event event) {
    if (!event.isDone() || event.isCancelled()) { // a periodic event is done if it failed
      return;
    }
    try {
      event.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("an event failed at virtual " + event.due + " ns",
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Charges the cluster's thread {@code nanos} of virtual time for work it does in the event
   * running now; nothing if a world event is running.
   *
   * @return the virtual nanoseconds from now at which that work is done
   */
  long chargeCoordinator(long nanos) {
    charged += nanos;
    return charged;
  }

  /** {@return how many of the cluster's events ran} */
  long coordinatorEvents() {
    return coordinatorEvents;
  }

  long worldEvents() {
    return worldEvents;
  }

  /** {@return the real CPU time the cluster's events took, in nanoseconds} */
  long coordinatorCpuNanos() {
    return coordinatorCpuNanos;
  }

  int pending() {
    return events.size();
  }

  // ScheduledExecutorService, for the cluster: its events run at the virtual time they are due.

  @Override
  public void execute(Runnable command) {
    events.add(new Event(command, now, 0, false));
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    Event event = new Event(command, now + Math.max(0, unit.toNanos(delay)), 0, false);
    events.add(event);
    return event;
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("the cluster schedules runnables only");
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
      TimeUnit unit) {
    return scheduleWithFixedDelay(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
      long delay, TimeUnit unit) {
    Event event = new Event(command, now + Math.max(0, unit.toNanos(initialDelay)),
        Math.max(1, unit.toNanos(delay)), false);
    events.add(event);
    return event;
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }
}
