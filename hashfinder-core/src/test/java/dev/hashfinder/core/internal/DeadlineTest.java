package dev.hashfinder.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hashfinder.DeadlineExceededException;
import dev.hashfinder.ResourceBudget;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When a search's timeout passes, and how it says so, on the engine and on a cluster. */
class DeadlineTest {
  private static final ResourceBudget TEN_SECONDS =
      ResourceBudget.ofHashes(100).withTimeout(Duration.ofSeconds(10));

  @Test
  void passes_exactlyWhenTheTimeoutHasElapsed_acrossTheTickersOverflow() {
    long start = Long.MAX_VALUE - 5_000_000_000L; // the ticker wraps five seconds in
    Deadline deadline = Deadline.start(TEN_SECONDS, start);

    long justBefore = start + 9_999_999_999L; // wrapped: negative
    assertThat(justBefore).isNegative();
    assertThat(deadline.passed(justBefore)).isFalse();
    assertThat(deadline.nanosLeft(justBefore, Long.MAX_VALUE)).isEqualTo(1);
    assertThat(deadline.passed(justBefore + 1)).isTrue();
    assertThat(deadline.nanosLeft(justBefore + 1, Long.MAX_VALUE)).isZero();
  }

  @Test
  void aTimeoutBeyondTheTickersRange_isCutAtItsEnd_notTurnedIntoOneThatHasPassed() {
    long start = 42; // a variable: the sums below wrap on purpose, as a ticker's values do
    Deadline deadline = Deadline.start(
        ResourceBudget.unlimited().withTimeout(Duration.ofDays(365L * 1000)), start);

    assertThat(deadline.passed(start)).isFalse();
    assertThat(deadline.passed(start - 1 + Long.MAX_VALUE)).isFalse();
    assertThat(deadline.passed(start + Long.MAX_VALUE)).isTrue();
    assertThat(deadline.nanosLeft(start, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void withoutATimeout_neverPasses_andLeavesTheFallback() {
    Deadline deadline = Deadline.start(ResourceBudget.ofHashes(5), 0);

    assertThat(deadline.passed(Long.MIN_VALUE)).isFalse();
    assertThat(deadline.passed(Long.MAX_VALUE)).isFalse();
    assertThat(deadline.nanosLeft(123, 7)).isEqualTo(7);
    assertThatThrownBy(() -> deadline.exceeded(0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void nanosLeft_isTheSoonerOfTheDeadlineAndTheFallback() {
    Deadline deadline = Deadline.start(TEN_SECONDS, 0);

    assertThat(deadline.nanosLeft(0, 20)).isEqualTo(20);
    assertThat(deadline.nanosLeft(9_999_999_990L, 20)).isEqualTo(10);
  }

  @Test
  void exceeded_namesTheTimeoutAndTheHashesExamined() {
    DeadlineExceededException e = Deadline.start(TEN_SECONDS, 0).exceeded(1234);

    assertThat(e).hasMessage("timeout of PT10S passed after examining 1234 hashes");
    assertThat(e.hashesExamined()).isEqualTo(1234);
  }
}
