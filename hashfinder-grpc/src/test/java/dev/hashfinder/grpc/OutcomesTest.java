package dev.hashfinder.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hashfinder.FinderFailedException;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** How a status reads in hashfinder's messages and logs, and how a call's ending counts. */
class OutcomesTest {
  @Test
  void describe_writesCodeColonDescription() {
    assertThat(Outcomes.describe(Status.RESOURCE_EXHAUSTED.withDescription("budget of 100 hashes")))
        .isEqualTo("RESOURCE_EXHAUSTED: budget of 100 hashes");
    assertThat(Outcomes.describe(Status.UNAVAILABLE)).isEqualTo("UNAVAILABLE: null");
  }

  @Test
  void describe_escapesAnotherServersWords_soTheyCannotForgeALine() {
    assertThat(Outcomes.describe(Status.INTERNAL.withDescription("boom\nINFO: all fine\u202e")))
        .isEqualTo("INTERNAL: boom\\nINFO: all fine\\u202E");
  }

  @Test
  void aStatusReadBackAsAFailure_carriesTheSameText() {
    Status status = Status.DATA_LOSS.withDescription("gone\r");

    assertThat(Outcomes.fromStatus(status.asRuntimeException()))
        .isInstanceOf(FinderFailedException.class)
        .hasMessage(Outcomes.describe(status))
        .hasMessage("DATA_LOSS: gone\\r");
  }

  @Test
  void callOutcome_countsEachCodeAsItsEnding() {
    assertThat(Outcomes.callOutcome(Status.Code.RESOURCE_EXHAUSTED))
        .isEqualTo(CallObserver.Outcome.EXHAUSTED);
    assertThat(Outcomes.callOutcome(Status.Code.CANCELLED))
        .isEqualTo(CallObserver.Outcome.CANCELLED);
    assertThat(Outcomes.callOutcome(Status.Code.DEADLINE_EXCEEDED))
        .isEqualTo(CallObserver.Outcome.DEADLINE);
    assertThat(Outcomes.callOutcome(Status.Code.INVALID_ARGUMENT))
        .isEqualTo(CallObserver.Outcome.REFUSED);
    assertThat(Outcomes.callOutcome(Status.Code.UNAVAILABLE))
        .isEqualTo(CallObserver.Outcome.UNAVAILABLE);
    assertThat(Outcomes.callOutcome(Status.Code.INTERNAL)).isEqualTo(CallObserver.Outcome.FAILED);
  }
}
