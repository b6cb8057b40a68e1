package dev.hashfinder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueryTest {

  @Test
  void rejectsBadFields_namingThem() {
    assertThatThrownBy(() -> Query.of("", 0)).hasMessage("target is empty");
    assertThatThrownBy(() -> Query.of("aa", -1)).hasMessage("idealDistance < 0: -1");
    assertThatThrownBy(() -> Query.of("aa", 0).withInterestingDistance(-2))
        .hasMessage("interestingDistance < 0: -2");
    assertThatThrownBy(() -> Query.of("aa", 0).withAlgorithm(" "))
        .hasMessage("algorithm is blank");
    assertThatThrownBy(() -> Query.of(null, 0))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("target");
  }

  @Test
  void targetLength_countsCodePoints() {
    assertThat(Query.of("a\uD83D\uDE00b", 0).targetLength()).isEqualTo(3);
  }

  @Test
  void budget_minTakesTheTighterLimitOfEach() {
    ResourceBudget server = ResourceBudget.ofHashes(1_000_000).withTimeout(Duration.ofSeconds(5));
    ResourceBudget client = ResourceBudget.ofHashes(10).withMaxMatches(3);

    ResourceBudget effective = server.min(client);

    assertThat(effective.maxHashes()).isEqualTo(10);
    assertThat(effective.maxMatches()).isEqualTo(3);
    assertThat(effective.timeout()).contains(Duration.ofSeconds(5));
    assertThat(ResourceBudget.unlimited().min(ResourceBudget.unlimited()))
        .isEqualTo(ResourceBudget.unlimited());
  }

  @Test
  void budget_rejectsNonPositiveLimits() {
    assertThatThrownBy(() -> ResourceBudget.ofHashes(0)).hasMessage("maxHashes < 1: 0");
    assertThatThrownBy(() -> ResourceBudget.unlimited().withMaxMatches(-1))
        .hasMessage("maxMatches < 1: -1");
    assertThatThrownBy(() -> ResourceBudget.unlimited().withTimeout(Duration.ZERO))
        .hasMessage("timeout <= 0: PT0S");
  }

  @Test
  void match_copiesTheSecret() {
    byte[] secret = {1, 2};
    Match match = new Match(7, secret, "x", 0);
    secret[0] = 9;
    match.secret()[1] = 9;

    assertThat(match.secret()).containsExactly(1, 2);
    assertThat(match).isEqualTo(new Match(7, new byte[] {1, 2}, "x", 0));
    assertThat(match.secretBase64()).isEqualTo("AQI=");
  }
}
