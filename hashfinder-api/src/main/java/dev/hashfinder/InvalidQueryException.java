package dev.hashfinder;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A query a finder refuses before it searches: a field is out of range, names a digest the finder
 * does not offer, or asks for what no hash text can ever hold (a target longer than the hash text,
 * or characters that cost more mismatches in every window than the ideal distance allows).
 *
 * <p>The message is the {@linkplain Field#apiName() field's name} followed by the {@linkplain
 * #problem() problem}, such as {@code "idealDistance < 0: -1"}; a gRPC server says the same of its
 * wire field ({@code "ideal_hamming_distance < 0: -1"}) with {@code INVALID_ARGUMENT}.
 *
 * <p>Immutable and thread-safe.
 */
public final class InvalidQueryException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The fields of a {@link Query}. */
  public enum Field {
    /** {@link Query#target()}. */
    TARGET("target"),
    /** {@link Query#idealDistance()}. */
    IDEAL_DISTANCE("idealDistance"),
    /** {@link Query#interestingDistance()}. */
    INTERESTING_DISTANCE("interestingDistance"),
    /** {@link Query#algorithm()}. */
    ALGORITHM("algorithm"),
    /** {@link Query#firstIndex()}. */
    FIRST_INDEX("firstIndex");

    private final String apiName;

    Field(String apiName) {
      this.apiName = apiName;
    }

    /** {@return the field's name in the Java API, as the record component is called} */
    public String apiName() {
      return apiName;
    }
  }

  /** The field that is wrong. */
  private final Field field;
  /** What is wrong with it, without its name. */
  private final String problem;

  /**
   * Creates the exception.
   *
   * @param field the field that is wrong
   * @param problem what is wrong with it, worded to follow the field's name ({@code "< 0: -1"},
   *     {@code "is empty"})
   */
  public InvalidQueryException(Field field, String problem) {
    this(field, problem, null);
  }

  /**
   * Creates the exception with a cause, such as the status a remote server refused the query with.
   *
   * @param field the field that is wrong
   * @param problem what is wrong with it, worded to follow the field's name
   * @param cause where the refusal came from; may be null
   */
  public InvalidQueryException(Field field, String problem, @Nullable Throwable cause) {
    super(Objects.requireNonNull(field, "field").apiName() + " "
        + Objects.requireNonNull(problem, "problem"), cause);
    this.field = field;
    this.problem = problem;
  }

  /** {@return the field that is wrong} */
  public Field field() {
    return field;
  }

  /** {@return what is wrong with the field, without its name} */
  public String problem() {
    return problem;
  }
}
