package dev.hashfinder.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A small network the tests build and remove: hosts in network namespaces of their own, each
 * with one link ({@code eth0}) to a bridge in another namespace, on addresses of 198.18.0.0/15
 * (the range set aside for such tests) that exist only inside those namespaces. Nothing is added
 * to the machine's own namespace.
 *
 * <p>{@link #cut} sets a host's port of the bridge down: its packets are dropped and nobody sends
 * a reset, as when a machine or a switch port dies. {@link #heal} sets it up again.
 *
 * <p>Namespaces are named {@code hfpart<pid>-<host>}; those a crashed run left behind (their pid
 * gone) are removed first. Not thread-safe.
 */
final class NamespacedNetwork implements AutoCloseable {
  private static final String PREFIX = "hfpart";
  private static final Pattern OURS = Pattern.compile("(" + PREFIX + "(\\d+)-\\w+)\\b.*");

  private final String prefix = PREFIX + ProcessHandle.current().pid() + "-";
  private final Map<String, String> addresses = new LinkedHashMap<>();
  private final List<String> namespaces = new ArrayList<>();

  private NamespacedNetwork() {}

  /**
   * Builds the network of {@code hosts}, or skips the test (a JUnit assumption) with the reason
   * where the machine does not allow it: not Linux, no {@code ip} command (iproute2), or no right
   * to create network namespaces (not root).
   */
  static NamespacedNetwork create(String... hosts) throws Exception {
    Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"),
        "network namespaces are Linux's; this is " + System.getProperty("os.name"));
    try {
      run("ip", "-V");
    } catch (IOException e) {
      Assumptions.abort("no ip command (iproute2) to build a network: " + e.getMessage());
    }
    removeStale();
    NamespacedNetwork network = new NamespacedNetwork();
    String bridge = network.prefix + "br";
    try {
      run("ip", "netns", "add", bridge);
    } catch (IOException e) {
      Assumptions.abort("cannot create a network namespace (it needs root): " + e.getMessage());
    }
    network.namespaces.add(bridge);
    try {
      ipIn(bridge, "link", "add", "br0", "type", "bridge");
      ipIn(bridge, "link", "set", "br0", "up");
      for (String host : hosts) {
        String namespace = network.prefix + host;
        String address = "198.18.0." + (network.addresses.size() + 1);
        run("ip", "netns", "add", namespace);
        network.namespaces.add(namespace);
        ipIn(bridge, "link", "add", "v-" + host, "type", "veth", "peer", "name", "eth0",
            "netns", namespace);
        ipIn(bridge, "link", "set", "v-" + host, "master", "br0", "up");
        ipIn(namespace, "addr", "add", address + "/24", "dev", "eth0");
        ipIn(namespace, "link", "set", "eth0", "up");
        ipIn(namespace, "link", "set", "lo", "up");
        network.addresses.put(host, address);
      }
    } catch (IOException | RuntimeException e) {
      network.close();
      throw e;
    }
    return network;
  }

  /** {@return the address of {@code host}, inside the network only} */
  String address(String host) {
    return addresses.get(host);
  }

  /** {@return the command prefix that runs a command on {@code host}} */
  List<String> on(String host) {
    return List.of("ip", "netns", "exec", prefix + host);
  }

  /** Drops every packet to and from {@code host}, silently. */
  void cut(String host) throws Exception {
    ipIn(prefix + "br", "link", "set", "v-" + host, "down");
  }

  /** Lets {@code host}'s packets through again. */
  void heal(String host) throws Exception {
    ipIn(prefix + "br", "link", "set", "v-" + host, "up");
  }

  /** Heals every host: a test that failed mid-partition leaves the next one a whole network. */
  void healAll() throws Exception {
    for (String host : addresses.keySet()) {
      heal(host);
    }
  }

  /** Removes the namespaces, and with them their links and the bridge. */
  @Override
  public void close() throws Exception {
    for (String namespace : namespaces) {
      run("ip", "netns", "delete", namespace);
    }
    namespaces.clear();
  }

  private static void removeStale() throws Exception {
    for (String line : run("ip", "netns", "list").lines().toList()) {
      Matcher ours = OURS.matcher(line);
      if (ours.matches()
          && ProcessHandle.of(Long.parseLong(ours.group(2))).filter(ProcessHandle::isAlive)
              .isEmpty()) {
        run("ip", "netns", "delete", ours.group(1));
      }
    }
  }

  private static void ipIn(String namespace, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip", "-n", namespace));
    command.addAll(List.of(args));
    run(command.toArray(String[]::new));
  }

  /** Runs a command to its end; its output, or an IOException naming it and what it said. */
  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + ": did not end");
    }
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + ": exit " + process.exitValue() + ": "
          + output.strip());
    }
    return output;
  }
}
