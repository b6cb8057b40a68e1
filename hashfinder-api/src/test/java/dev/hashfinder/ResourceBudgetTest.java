package dev.hashfinder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ResourceBudgetTest {
  @Test
  void min_takesTheTighterLimit_limitByLimit() {
    ResourceBudget server = ResourceBudget.ofHashes(1_000).withTimeout(Duration.ofSeconds(10));
    ResourceBudget request = ResourceBudget.ofHashes(5_000).withMaxMatches(3)
        .withTimeout(Duration.ofSeconds(2));

    ResourceBudget combined = server.min(request);

    assertThat(combined.maxHashes()).isEqualTo(1_000);
    assertThat(combined.maxMatches()).isEqualTo(3);
    assertThat(combined.timeout()).contains(Duration.ofSeconds(2));
    assertThat(request.min(server)).isEqualTo(combined);
  }

  @Test
  void min_keepsATimeoutWhicheverSideHasIt() {
    ResourceBudget timed = ResourceBudget.unlimited().withTimeout(Duration.ofMillis(5));

    assertThat(timed.min(ResourceBudget.unlimited()).timeout()).contains(Duration.ofMillis(5));
    assertThat(ResourceBudget.unlimited().min(timed).timeout()).contains(Duration.ofMillis(5));
    assertThat(ResourceBudget.unlimited().min(ResourceBudget.unlimited()))
        .isEqualTo(ResourceBudget.unlimited());
  }

  @Test
  void theSmallestBudgets_areOneHashAndOneMatch() {
    assertThat(ResourceBudget.ofHashes(1).maxHashes()).isEqualTo(1);
    assertThat(ResourceBudget.unlimited().withMaxMatches(1).maxMatches()).isEqualTo(1);
    assertThatThrownBy(() -> ResourceBudget.ofHashes(0)).hasMessage("maxHashes < 1: 0");
    assertThatThrownBy(() -> ResourceBudget.unlimited().withMaxMatches(0))
        .hasMessage("maxMatches < 1: 0");
    assertThatThrownBy(() -> ResourceBudget.unlimited().withTimeout(Duration.ZERO))
        .hasMessage("timeout <= 0: PT0S");
  }

  @Test
  void equalBudgets_areEqual_andSayWhatTheyHold() {
    assertThat(ResourceBudget.ofHashes(7)).isEqualTo(ResourceBudget.ofHashes(7))
        .hasSameHashCodeAs(ResourceBudget.ofHashes(7))
        .isNotEqualTo(ResourceBudget.ofHashes(8))
        .isNotEqualTo(ResourceBudget.ofHashes(7).withMaxMatches(7));
    assertThat(ResourceBudget.unlimited()).hasToString(
        "ResourceBudget{maxHashes=unlimited, maxMatches=unlimited, timeout=none}");
  }
}
