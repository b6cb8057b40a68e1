package dev.hashfinder.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A backend's busy time counts the time it had a range in flight, overlaps once. */
class BusyTimeTest {
  @Test
  void overlappingRanges_countOnce_andIdleGapsNotAtAll() {
    BusyTime busy = new BusyTime();
    busy.started(100);
    busy.started(150); // overlaps the first
    busy.ended(200);
    assertThat(busy.inFlight()).isEqualTo(1);
    busy.ended(300); // busy 100..300
    busy.started(1_000); // idle 300..1000
    busy.ended(1_050);

    assertThat(busy.inFlight()).isZero();
    assertThat(busy.totalNanos(5_000)).isEqualTo(250);
  }

  @Test
  void aSpellStillGoing_countsUpToNow() {
    BusyTime busy = new BusyTime();
    busy.started(10);

    assertThat(busy.totalNanos(25)).isEqualTo(15);
    assertThat(busy.totalNanos(40)).isEqualTo(30);
  }
}
