package dev.hashfinder;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The small promises of the API's value types, accessors and defaults. */
class ApiTypesTest {
  @Test
  void cancellationToken_saysWhetherThisCallCancelledIt() {
    CancellationToken token = new CancellationToken();
    assertThat(token.isCancelled()).isFalse();
    assertThat(token).hasToString("CancellationToken{active}");

    assertThat(token.cancel()).isTrue();
    assertThat(token.cancel()).isFalse();
    assertThat(token).hasToString("CancellationToken{cancelled}");
  }

  @Test
  void cancellationToken_aLateRegistration_runsAtOnce_andClosesQuietly() {
    CancellationToken token = new CancellationToken();
    token.cancel();
    List<String> ran = new ArrayList<>();

    CancellationToken.Registration registration = token.onCancel(() -> ran.add("late"));
    registration.close();
    registration.close();

    assertThat(ran).containsExactly("late");
  }

  @Test
  void budgetExhausted_carriesItsFigures_andSaysThemInItsMessage() {
    BudgetExhaustedException hashes =
        new BudgetExhaustedException(BudgetExhaustedException.Limit.HASHES, 500, 500);
    BudgetExhaustedException matches =
        new BudgetExhaustedException(BudgetExhaustedException.Limit.MATCHES, 3, 9_000);

    assertThat(hashes.limit()).isEqualTo(BudgetExhaustedException.Limit.HASHES);
    assertThat(hashes.limitValue()).isEqualTo(500);
    assertThat(hashes.hashesExamined()).isEqualTo(500);
    assertThat(hashes).hasMessage("budget of 500 hashes exhausted after examining 500 hashes");
    assertThat(matches.limit()).isEqualTo(BudgetExhaustedException.Limit.MATCHES);
    assertThat(matches.limitValue()).isEqualTo(3);
    assertThat(matches.hashesExamined()).isEqualTo(9_000);
    assertThat(matches)
        .hasMessage("budget of 3 streamed matches reached after examining 9000 hashes");
    assertThat(new BudgetExhaustedException(BudgetExhaustedException.Limit.HASHES, 1_000, 100))
        .as("a search that ran out of indices before its budget ran out")
        .hasMessage("reached the end of the index space after examining 100 hashes, within a "
            + "budget of 1000 hashes");
  }

  @Test
  void theOtherEndings_carryWhatTheySay() {
    Throwable cause = new IllegalStateException("status");
    assertThat(new DeadlineExceededException("late", 42).hashesExamined()).isEqualTo(42);
    assertThat(new FinderBusyException("busy", cause)).hasMessage("busy").hasCause(cause);
    assertThat(new FinderUnavailableException("gone", cause)).hasMessage("gone").hasCause(cause);
    assertThat(new FinderFailedException("broke", cause)).hasMessage("broke").hasCause(cause);

    InvalidQueryException invalid =
        new InvalidQueryException(InvalidQueryException.Field.IDEAL_DISTANCE, "< 0: -1", cause);
    assertThat(invalid.field()).isEqualTo(InvalidQueryException.Field.IDEAL_DISTANCE);
    assertThat(invalid.problem()).isEqualTo("< 0: -1");
    assertThat(invalid).hasMessage("idealDistance < 0: -1").hasCause(cause)
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(InvalidQueryException.Field.TARGET.apiName()).isEqualTo("target");
  }

  @Test
  void query_withersChangeOneField() {
    Query query = Query.of("aa", 1);

    assertThat(query.withInterestingDistance(3))
        .isEqualTo(new Query("aa", 1, 3, Query.DEFAULT_ALGORITHM));
    assertThat(query.withAlgorithm("MD5")).isEqualTo(new Query("aa", 1, 0, "MD5"));
  }

  @Test
  void match_accessorsReturnWhatItWasMadeOf_andHashesDifferByField() {
    Match match = new Match(7, new byte[] {1}, "AQ==", 2);

    assertThat(match.hashText()).isEqualTo("AQ==");
    assertThat(match.distance()).isEqualTo(2);
    assertThat(match.index()).isEqualTo(7);
    assertThat(match.hashCode()).isNotEqualTo(new Match(8, new byte[] {1}, "AQ==", 2).hashCode());
  }

  @Test
  void budgets_thatDiffer_hashDifferently() {
    assertThat(ResourceBudget.ofHashes(7).hashCode())
        .isNotEqualTo(ResourceBudget.ofHashes(8).hashCode());
    assertThat(ResourceBudget.ofHashes(7).withTimeout(Duration.ofSeconds(1)).min(
        ResourceBudget.ofHashes(9).withTimeout(Duration.ofSeconds(1))).timeout())
        .contains(Duration.ofSeconds(1));
  }

  @Test
  void theShortFormsOfFindAndFindRange_useTheFindersBudgetAndAFreshToken() {
    List<Object> seen = new ArrayList<>();
    CompletableFuture<Match> found = new CompletableFuture<>();
    CompletableFuture<Void> ranged = new CompletableFuture<>();
    HashFinder finder = new HashFinder() {
      @Override
      public CompletableFuture<Match> find(Query query, ResourceBudget budget,
          CancellationToken token) {
        seen.add(budget);
        seen.add(token.isCancelled());
        return found;
      }

      @Override
      public CompletableFuture<Void> findRange(Query query, ResourceBudget budget,
          CancellationToken token, MatchListener listener) {
        seen.add(budget);
        seen.add(token.isCancelled());
        return ranged;
      }
    };

    assertThat(finder.find(Query.of("aa", 0))).isSameAs(found);
    assertThat(finder.findRange(Query.of("aa", 0), match -> { })).isSameAs(ranged);
    assertThat(seen).containsExactly(
        ResourceBudget.unlimited(), false, ResourceBudget.unlimited(), false);
  }
}
