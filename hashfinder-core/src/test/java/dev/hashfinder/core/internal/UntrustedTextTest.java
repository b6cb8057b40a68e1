package dev.hashfinder.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hashfinder.InvalidQueryException;
import dev.hashfinder.Query;
import dev.hashfinder.ResourceBudget;
import dev.hashfinder.core.HashFinderEngine;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Someone else's text as a log line or a message may repeat it. */
class UntrustedTextTest {
  @Test
  void escape_keepsOrdinaryText_ofAnyScript_asItIs() {
    String text = "Doctor hashfinder café Ω 漢字 'quoted' =+/";

    assertThat(UntrustedText.escape(text)).isSameAs(text);
    assertThat(UntrustedText.quote(text)).isSameAs(text);
  }

  @Test
  void escape_writesWhatCouldEndOrForgeALine_asEscapes() {
    assertThat(UntrustedText.escape("aa\n2026-01-01 INFO forged\r\tend"))
        .isEqualTo("aa\\n2026-01-01 INFO forged\\r\\tend");
    assertThat(UntrustedText.escape("\u001b[2J\u0000\u007f\u0085"))
        .isEqualTo("\\u001B[2J\\u0000\\u007F\\u0085");
    // right-to-left override, zero-width joiner, line and paragraph separators
    assertThat(UntrustedText.escape("a\u202Eb\u200Dc\u2028d\u2029"))
        .isEqualTo("a\\u202Eb\\u200Dc\\u2028d\\u2029");
    // a tag character (format, outside the BMP) and an unpaired surrogate
    assertThat(UntrustedText.escape("\uDB40\uDC01x\uD800"))
        .isEqualTo("\\uDB40\\uDC01x\\uD800");
  }

  @Test
  void escape_leavesQuotesAndBackslashes_soAMessageThatQuotesANameReadsAsWritten() {
    String message = "algorithm names an unknown digest \"SHA-1\\nX\"; available: SHA-1";

    assertThat(UntrustedText.escape(message)).isSameAs(message);
  }

  @Test
  void quote_escapesQuotesAndBackslashes_soAQuotationCannotBeClosedEarly_norReadAsAnother() {
    assertThat(UntrustedText.quote("x\" ideal=0 from 10.0.0.1\""))
        .isEqualTo("x\\\" ideal=0 from 10.0.0.1\\\"");
    assertThat(UntrustedText.quote("\\n")).isEqualTo("\\\\n");
    assertThat(UntrustedText.quote("\\n")).isNotEqualTo(UntrustedText.quote("\n"));
  }

  @Test
  void quote_cutsAfterTheLimit_atACodePoint_andEscapesWhatItKeeps() {
    assertThat(UntrustedText.quote("n".repeat(64))).isEqualTo("n".repeat(64));
    assertThat(UntrustedText.quote("n".repeat(65))).isEqualTo("n".repeat(61) + "...");
    String astral = "\uD83D\uDE00"; // one code point, two chars
    assertThat(UntrustedText.quote(astral.repeat(64))).isEqualTo(astral.repeat(64));
    assertThat(UntrustedText.quote(astral.repeat(65))).isEqualTo(astral.repeat(61) + "...");
    assertThat(UntrustedText.quote("\n".repeat(100))).isEqualTo("\\n".repeat(61) + "...");
  }

  @Test
  void anUnknownDigestsName_isEscapedInTheMessageThatRepeatsIt() throws Exception {
    try (HashFinderEngine engine = HashFinderEngine.newBuilder().threads(1).build()) {
      Throwable refused;
      try {
        engine.find(new Query("aa", 0, 0, "SHA-1\n2026-01-01 INFO forged"),
            ResourceBudget.ofHashes(10), new dev.hashfinder.CancellationToken()).get();
        throw new AssertionError("searched");
      } catch (ExecutionException e) {
        refused = e.getCause();
      }

      assertThat(refused).isInstanceOf(InvalidQueryException.class)
          .hasMessageStartingWith(
              "algorithm names an unknown digest \"SHA-1\\n2026-01-01 INFO forged\"");
      assertThat(refused.getMessage()).doesNotContain("\n");
    }
  }
}
