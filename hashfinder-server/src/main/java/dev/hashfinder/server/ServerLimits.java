package dev.hashfinder.server;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import dev.hashfinder.grpc.HashFinderService;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The connection limits of a networked {@link HashFinderServer}: what one peer may send, hold and
 * open. The defaults suit this service, whose requests are under 100 bytes and whose calls last
 * seconds; docs/SECURITY.md gives each one's reason.
 *
 * <table>
 * <caption>Limits and defaults</caption>
 * <tr><th>name</th><th>default</th><th>what it bounds</th></tr>
 * <tr><td>{@code max-request-bytes}</td><td>4096</td>
 *     <td>one request message; longer is {@code RESOURCE_EXHAUSTED} before parsing</td></tr>
 * <tr><td>{@code max-metadata-bytes}</td><td>8192</td><td>the headers of one call</td></tr>
 * <tr><td>{@code max-calls-per-connection}</td><td>100</td>
 *     <td>streams open at once on one connection (HTTP/2 MAX_CONCURRENT_STREAMS)</td></tr>
 * <tr><td>{@code permit-keepalive-time}</td><td>10s</td>
 *     <td>how often a client may ping; more often ends the connection</td></tr>
 * <tr><td>{@code keepalive-time}</td><td>60s</td>
 *     <td>the server pings a quiet connection this often to find dead peers</td></tr>
 * <tr><td>{@code keepalive-timeout}</td><td>20s</td>
 *     <td>a ping unanswered this long closes the connection</td></tr>
 * <tr><td>{@code max-connection-idle}</td><td>30s</td>
 *     <td>a connection with no call this long is closed</td></tr>
 * <tr><td>{@code max-connection-age}</td><td>30m</td><td>a connection this old is asked to go</td></tr>
 * <tr><td>{@code max-connection-age-grace}</td><td>5m</td>
 *     <td>then its calls get this long to end</td></tr>
 * <tr><td>{@code handshake-timeout}</td><td>5s</td>
 *     <td>TLS and HTTP/2 preface must complete within this</td></tr>
 * <tr><td>{@code max-premature-resets}</td><td>100</td>
 *     <td>streams a client may reset prematurely on one connection while such resets are half of
 *     its streams or more (rapid reset, CVE-2023-44487)</td></tr>
 * <tr><td>{@code premature-reset-time}</td><td>1ms</td>
 *     <td>a stream reset sooner than this after it opened was reset prematurely</td></tr>
 * <tr><td>{@code max-resets-per-window}</td><td>2000</td>
 *     <td>stream resets of any kind per window on one connection: a ceiling</td></tr>
 * <tr><td>{@code reset-window}</td><td>1s</td><td>that window</td></tr>
 * <tr><td>{@code stalled-stream-timeout}</td><td>10s</td>
 *     <td>a {@code FindRange} whose client reads nothing this long is cancelled</td></tr>
 * <tr><td>{@code max-call-duration}</td><td>10m</td>
 *     <td>a call still running this long ends {@code DEADLINE_EXCEEDED}</td></tr>
 * <tr><td>{@code caller-prefix-ipv4}</td><td>32</td>
 *     <td>callers known by address share a slot share per IPv4 network of this prefix</td></tr>
 * <tr><td>{@code caller-prefix-ipv6}</td><td>64</td>
 *     <td>the same per IPv6 network: one host commonly holds a whole /64</td></tr>
 * </table>
 *
 * <p>The stalled-stream timeout and the call duration bound what the budget cannot: wall time
 * when nothing is hashed. They and the two sizes apply to an in-process server too; the rest are
 * the networked server's. The caller prefixes say who counts as one caller when neither a token
 * nor a client certificate says so (an IPv4 address mapped into IPv6 counts as IPv4).
 *
 * <p>Immutable and thread-safe; every {@code with} method returns a copy.
 */
public final class ServerLimits {
  private static final ServerLimits DEFAULTS = new ServerLimits(4096, 8192, 100,
      Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(20),
      Duration.ofSeconds(30), Duration.ofMinutes(30), Duration.ofMinutes(5),
      Duration.ofSeconds(5), 100, Duration.ofMillis(1), 2000, Duration.ofSeconds(1),
      HashFinderService.DEFAULT_STALLED_STREAM_TIMEOUT,
      HashFinderService.DEFAULT_MAX_CALL_DURATION, 32, 64);

  private final int maxRequestBytes;
  private final int maxMetadataBytes;
  private final int maxCallsPerConnection;
  private final Duration permitKeepAliveTime;
  private final Duration keepAliveTime;
  private final Duration keepAliveTimeout;
  private final Duration maxConnectionIdle;
  private final Duration maxConnectionAge;
  private final Duration maxConnectionAgeGrace;
  private final Duration handshakeTimeout;
  private final int maxPrematureResets;
  private final Duration prematureResetTime;
  private final int maxResetsPerWindow;
  private final Duration resetWindow;
  private final Duration stalledStreamTimeout;
  private final Duration maxCallDuration;
  private final int callerPrefixIpv4;
  private final int callerPrefixIpv6;

  private ServerLimits(int maxRequestBytes, int maxMetadataBytes, int maxCallsPerConnection,
      Duration permitKeepAliveTime, Duration keepAliveTime, Duration keepAliveTimeout,
      Duration maxConnectionIdle, Duration maxConnectionAge, Duration maxConnectionAgeGrace,
      Duration handshakeTimeout, int maxPrematureResets, Duration prematureResetTime,
      int maxResetsPerWindow, Duration resetWindow,
      Duration stalledStreamTimeout, Duration maxCallDuration, int callerPrefixIpv4,
      int callerPrefixIpv6) {
    this.maxRequestBytes = positive("max-request-bytes", maxRequestBytes);
    this.maxMetadataBytes = positive("max-metadata-bytes", maxMetadataBytes);
    this.maxCallsPerConnection = positive("max-calls-per-connection", maxCallsPerConnection);
    this.permitKeepAliveTime = positive("permit-keepalive-time", permitKeepAliveTime);
    this.keepAliveTime = positive("keepalive-time", keepAliveTime);
    this.keepAliveTimeout = positive("keepalive-timeout", keepAliveTimeout);
    this.maxConnectionIdle = positive("max-connection-idle", maxConnectionIdle);
    this.maxConnectionAge = positive("max-connection-age", maxConnectionAge);
    this.maxConnectionAgeGrace = positive("max-connection-age-grace", maxConnectionAgeGrace);
    this.handshakeTimeout = positive("handshake-timeout", handshakeTimeout);
    this.maxPrematureResets = positive("max-premature-resets", maxPrematureResets);
    this.prematureResetTime = positive("premature-reset-time", prematureResetTime);
    this.maxResetsPerWindow = positive("max-resets-per-window", maxResetsPerWindow);
    this.resetWindow = positive("reset-window", resetWindow);
    this.stalledStreamTimeout = positive("stalled-stream-timeout", stalledStreamTimeout);
    this.maxCallDuration = positive("max-call-duration", maxCallDuration);
    this.callerPrefixIpv4 = prefix("caller-prefix-ipv4", callerPrefixIpv4, 32);
    this.callerPrefixIpv6 = prefix("caller-prefix-ipv6", callerPrefixIpv6, 128);
    checkArgument(resetWindow.toSeconds() >= 1, "reset-window < 1s: %s", resetWindow);
  }

  /** {@return the defaults, as the table above gives them} */
  public static ServerLimits defaults() {
    return DEFAULTS;
  }

  private static int positive(String name, int value) {
    checkArgument(value >= 1, "%s < 1: %s", name, value);
    return value;
  }

  private static int prefix(String name, int value, int bits) {
    checkArgument(value >= 1 && value <= bits, "%s not in [1, %s]: %s", name, bits, value);
    return value;
  }

  private static Duration positive(String name, Duration value) {
    requireNonNull(value, name);
    checkArgument(!value.isNegative() && !value.isZero(), "%s <= 0: %s", name, value);
    return value;
  }

  /** {@return the largest request message, in bytes} */
  public int maxRequestBytes() {
    return maxRequestBytes;
  }

  /** {@return the largest header block of a call, in bytes} */
  public int maxMetadataBytes() {
    return maxMetadataBytes;
  }

  /** {@return the most calls open at once on one connection} */
  public int maxCallsPerConnection() {
    return maxCallsPerConnection;
  }

  /** {@return the shortest interval at which a client may send keepalive pings} */
  public Duration permitKeepAliveTime() {
    return permitKeepAliveTime;
  }

  /** {@return how long a connection is quiet before the server pings it} */
  public Duration keepAliveTime() {
    return keepAliveTime;
  }

  /** {@return how long the server waits for a ping's answer before closing the connection} */
  public Duration keepAliveTimeout() {
    return keepAliveTimeout;
  }

  /** {@return how long a connection may have no call before it is closed} */
  public Duration maxConnectionIdle() {
    return maxConnectionIdle;
  }

  /** {@return the age at which a connection is asked to go} */
  public Duration maxConnectionAge() {
    return maxConnectionAge;
  }

  /** {@return how long an aged connection's calls get to end} */
  public Duration maxConnectionAgeGrace() {
    return maxConnectionAgeGrace;
  }

  /** {@return how long a new connection has to complete its TLS and HTTP/2 handshakes} */
  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  /**
   * {@return the premature resets at which a connection where they are half of its streams or
   * more is ended}
   */
  public int maxPrematureResets() {
    return maxPrematureResets;
  }

  /** {@return how soon after it opened a stream's reset is premature} */
  public Duration prematureResetTime() {
    return prematureResetTime;
  }

  /** {@return the most stream resets of any kind a client may send per {@link #resetWindow()}} */
  public int maxResetsPerWindow() {
    return maxResetsPerWindow;
  }

  /** {@return the window over which resets are counted; whole seconds} */
  public Duration resetWindow() {
    return resetWindow;
  }

  /** {@return how long a {@code FindRange} may wait for its client to read before it is cancelled} */
  public Duration stalledStreamTimeout() {
    return stalledStreamTimeout;
  }

  /** {@return the longest a call may run on the server} */
  public Duration maxCallDuration() {
    return maxCallDuration;
  }

  /**
   * {@return the prefix length, 1 to 32, of the IPv4 network whose addresses count as one caller
   * when neither a token nor a client certificate names the caller}
   */
  public int callerPrefixIpv4() {
    return callerPrefixIpv4;
  }

  /**
   * {@return the prefix length, 1 to 128, of the IPv6 network whose addresses count as one caller
   * when neither a token nor a client certificate names the caller}
   */
  public int callerPrefixIpv6() {
    return callerPrefixIpv6;
  }

  /**
   * This with one count or size limit changed, by the name the table above gives it (the command
   * line's {@code --limit NAME=VALUE} uses the same names).
   *
   * @param name the name of a count or size limit, such as {@code max-request-bytes}
   * @param value its new value; at least 1 (a caller prefix: at most 32 or 128)
   * @return a copy with that limit changed
   * @throws IllegalArgumentException if no count or size limit has that name, or the value is out
   *     of its range
   */
  public ServerLimits with(String name, int value) {
    return change(name, value);
  }

  /**
   * This with one time limit changed, by the name the table above gives it.
   *
   * @param name the name of a time limit, such as {@code handshake-timeout}
   * @param value its new value; positive
   * @return a copy with that limit changed
   * @throws IllegalArgumentException if no time limit has that name, or value is not positive
   */
  public ServerLimits with(String name, Duration value) {
    return change(name, requireNonNull(value, "value"));
  }

  private ServerLimits change(String name, Object value) {
    Map<String, Object> values = values();
    Object current = values.get(requireNonNull(name, "name"));
    if (current == null || current.getClass() != value.getClass()) {
      StringBuilder known = new StringBuilder();
      values.forEach((key, v) -> {
        if (v.getClass() == value.getClass()) {
          known.append(known.length() == 0 ? "" : ", ").append(key);
        }
      });
      throw new IllegalArgumentException("no " + (value instanceof Duration ? "time" : "count")
          + " limit is called " + name + "; those are: " + known);
    }
    values.put(name, value);
    return fromMap(values);
  }

  /** {@return every limit by its name, in the table's order: an Integer or a Duration each} */
  public Map<String, Object> asMap() {
    return Collections.unmodifiableMap(values());
  }

  private Map<String, Object> values() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("max-request-bytes", maxRequestBytes);
    values.put("max-metadata-bytes", maxMetadataBytes);
    values.put("max-calls-per-connection", maxCallsPerConnection);
    values.put("permit-keepalive-time", permitKeepAliveTime);
    values.put("keepalive-time", keepAliveTime);
    values.put("keepalive-timeout", keepAliveTimeout);
    values.put("max-connection-idle", maxConnectionIdle);
    values.put("max-connection-age", maxConnectionAge);
    values.put("max-connection-age-grace", maxConnectionAgeGrace);
    values.put("handshake-timeout", handshakeTimeout);
    values.put("max-premature-resets", maxPrematureResets);
    values.put("premature-reset-time", prematureResetTime);
    values.put("max-resets-per-window", maxResetsPerWindow);
    values.put("reset-window", resetWindow);
    values.put("stalled-stream-timeout", stalledStreamTimeout);
    values.put("max-call-duration", maxCallDuration);
    values.put("caller-prefix-ipv4", callerPrefixIpv4);
    values.put("caller-prefix-ipv6", callerPrefixIpv6);
    return values;
  }

  /** The limit called {@code name} in a map that {@link #values()} made, so holds every one. */
  private static Object limit(Map<String, Object> v, String name) {
    return requireNonNull(v.get(name), name);
  }

  private static ServerLimits fromMap(Map<String, Object> v) {
    return new ServerLimits((Integer) limit(v, "max-request-bytes"),
        (Integer) limit(v, "max-metadata-bytes"), (Integer) limit(v, "max-calls-per-connection"),
        (Duration) limit(v, "permit-keepalive-time"), (Duration) limit(v, "keepalive-time"),
        (Duration) limit(v, "keepalive-timeout"), (Duration) limit(v, "max-connection-idle"),
        (Duration) limit(v, "max-connection-age"), (Duration) limit(v, "max-connection-age-grace"),
        (Duration) limit(v, "handshake-timeout"), (Integer) limit(v, "max-premature-resets"),
        (Duration) limit(v, "premature-reset-time"), (Integer) limit(v, "max-resets-per-window"),
        (Duration) limit(v, "reset-window"), (Duration) limit(v, "stalled-stream-timeout"),
        (Duration) limit(v, "max-call-duration"), (Integer) limit(v, "caller-prefix-ipv4"),
        (Integer) limit(v, "caller-prefix-ipv6"));
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof ServerLimits that && asMap().equals(that.asMap());
  }

  @Override
  public int hashCode() {
    return asMap().hashCode();
  }

  @Override
  public String toString() {
    return "ServerLimits" + asMap();
  }
}
