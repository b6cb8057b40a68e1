package dev.hashfinder.cluster;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A DNS name in virtual time: the simulation adds and removes addresses, and the cluster sees
 * them when it resolves the name next, as with grpc-java's DNS resolver, which resolves again on
 * a refresh only once its cached answer is {@code ttlNanos} old.
 *
 * <p>Not thread-safe: the simulation's one thread runs it.
 */
final class SimulatedResolution extends NameResolver.Factory {
  private final VirtualTime time;
  private final long ttlNanos;
  private final Set<InetSocketAddress> addresses = new LinkedHashSet<>();
  private @Nullable Resolver resolver;
  private long resolutions;

  SimulatedResolution(VirtualTime time, long ttlNanos) {
    this.time = time;
    this.ttlNanos = ttlNanos;
  }

  /** {@code address} is in the name's answer from now on. */
  void add(InetSocketAddress address) {
    addresses.add(address);
  }

  /** {@code address} is no longer in the name's answer. */
  void remove(InetSocketAddress address) {
    addresses.remove(address);
  }

  /** {@return how many times the name was resolved} */
  long resolutions() {
    return resolutions;
  }

  @Override
  public NameResolver newNameResolver(URI target, NameResolver.Args args) {
    Resolver created = new Resolver(target, args.getSynchronizationContext());
    resolver = created;
    return created;
  }

  @Override
  public String getDefaultScheme() {
    return "dns";
  }

  private final class Resolver extends NameResolver {
    private final URI target;
    private final SynchronizationContext syncContext;
    private @Nullable Listener2 listener;
    private long resolvedAt;
    private boolean shutdown;

    Resolver(URI target, SynchronizationContext syncContext) {
      this.target = target;
      this.syncContext = syncContext;
    }

    @Override
    public String getServiceAuthority() {
      String path = target.getPath();
      return path == null || path.isEmpty() ? "simulated" : path.substring(1);
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      resolve();
    }

    @Override
    public void refresh() {
      if (time.now() - resolvedAt >= ttlNanos) {
        resolve();
      }
    }

    // setAddresses' successor is newer than the oldest grpc-java the library runs on.
    @SuppressWarnings("deprecation")
    private void resolve() {
      Listener2 to = listener;
      if (shutdown || to == null) {
        return;
      }
      resolvedAt = time.now();
      resolutions++;
      List<EquivalentAddressGroup> groups = new ArrayList<>(addresses.size());
      for (InetSocketAddress address : addresses) {
        groups.add(new EquivalentAddressGroup(address));
      }
      syncContext.throwIfNotInThisSynchronizationContext();
      to.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }
  }
}
