package dev.kabuki.remote;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Transport} over Aeron UDP, with an embedded media driver of its own.
 *
 * <h2>Resources</h2>
 * <ul>
 *   <li>The driver runs in SHARED threading mode (one thread for its conductor, sender and
 *       receiver) with a backoff idle strategy: a few spins and yields, then parking from 1 µs
 *       up to {@link RemoteSettings#maxIdlePark} (1 ms by default). Aeron's default (three
 *       threads busy-spinning) burns a core per node while idle and, on small machines, slows
 *       round trips down. Each busy cycle of the driver is reported through {@link #activity()},
 *       so the thread that polls this transport is woken when frames arrive and may park long.</li>
 *   <li>The Aeron client has no conductor thread: {@link #poll} runs its duty cycle.</li>
 *   <li>Its directory is {@code kabuki-<system>-<pid>-<random>} beside Aeron's default
 *       directory ({@code /dev/shm} on Linux), deleted at close, so that two systems never share
 *       one. A process that dies without closing leaves its directory, and the next transport
 *       started on the host removes it ({@link DriverDirectories#sweep}).</li>
 *   <li>Per link, two exclusive publications: control (term {@value #CONTROL_TERM_LENGTH}
 *       bytes, frames up to an eighth of it) and ordinary ({@code ordinaryTermLength}, frames up
 *       to an eighth). A publication's log is three terms plus a page of metadata in the
 *       directory, and the peer's image of it as much again.</li>
 * </ul>
 * Not thread-safe (see {@link Transport}); the Aeron client's own conductor thread and the
 * driver's thread are started here and stopped by {@link #close()}.
 */
final class AeronTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(AeronTransport.class);
    static final int CONTROL_STREAM = 1;
    static final int ORDINARY_STREAM = 2;
    /** The control stream's term: 64 KiB, Aeron's smallest; frames up to 8 KiB. */
    static final int CONTROL_TERM_LENGTH = 64 * 1024;
    /** The ordinary stream's default term: 2 MiB, frames up to 256 KiB. */
    static final int DEFAULT_ORDINARY_TERM_LENGTH = 2 * 1024 * 1024;
    private static final long BIND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String directory;
    /** Whether the driver runs elsewhere: then its directory is not this transport's to delete. */
    private final boolean external;
    /** The embedded driver's sending thread's idle strategy; null with an external driver. */
    private final WakeableIdleStrategy driverIdle;
    /** The embedded driver; null with an external one. */
    private final MediaDriver driver;
    private final Aeron aeron;
    /** The Aeron client's conductor, run by the polling thread in {@link #poll}. */
    private final AgentInvoker clientConductor;
    /** The embedded driver's busy cycles; null with an external driver. */
    private final TransportActivity activity;
    private final Subscription control;
    private final Subscription ordinary;
    private final InetSocketAddress localAddress;
    private final int ordinaryTermLength;
    private final List<AeronLink> links = new ArrayList<>();
    private final FragmentAssembler controlAssembler;
    private final FragmentAssembler ordinaryAssembler;
    private FrameHandler current;
    private boolean closed;

    /**
     * Starts the driver and the client and binds both streams.
     *
     * @param system             the actor system's name (for the directory and thread names)
     * @param bindHost           the address to receive on
     * @param bindPort           the port, or 0 for any free one
     * @param baseDirectory      where the driver's directory goes; null for beside Aeron's default
     * @param ordinaryTermLength the ordinary stream's term length: a power of two, 64 KiB to 1 GiB
     * @throws IllegalStateException the endpoint could not be bound in time (the cause, if any, names why)
     */
    AeronTransport(String system, String bindHost, int bindPort, String baseDirectory, int ordinaryTermLength) {
        this(system, bindHost, bindPort, baseDirectory, ordinaryTermLength, RemoteSettings.DriverThreading.SHARED, null,
                RemoteSettings.DEFAULT_MAX_IDLE_PARK.toNanos());
    }

    /**
     * As above, with the embedded driver's threading, or an external driver's directory (then no
     * driver is started here and that directory is neither created nor deleted), and the longest
     * park of the embedded driver's threads when idle.
     */
    AeronTransport(String system, String bindHost, int bindPort, String baseDirectory, int ordinaryTermLength,
                   RemoteSettings.DriverThreading threading, String externalDriver, long maxIdleParkNanos) {
        Objects.requireNonNull(system, "system");
        Objects.requireNonNull(bindHost, "bindHost");
        this.ordinaryTermLength = ordinaryTermLength;
        this.external = externalDriver != null;
        // The thread that sends what is offered to a publication: woken after each offer, so a
        // frame leaves at once rather than when the driver's park ends (null: an external driver).
        // Every busy duty cycle of the driver's threads is reported to the poller (frames may
        // have arrived, or room to offer), so the poller need not poll on a timer.
        this.activity = external ? null : new TransportActivity();
        this.driverIdle = external ? null : driverIdle(activity, maxIdleParkNanos);
        if (external) {
            this.directory = new File(externalDriver).getAbsolutePath();
        } else {
            String base = baseDirectory != null ? baseDirectory
                    : new File(io.aeron.CommonContext.getAeronDirectoryName()).getParent();
            DriverDirectories.sweep(new File(base));
            this.directory = DriverDirectories.newDirectory(new File(base), system).getAbsolutePath();
        }
        MediaDriver d = null;
        Aeron a = null;
        try {
            if (!external) {
                MediaDriver.Context ctx = new MediaDriver.Context()
                        .aeronDirectoryName(directory)
                        .dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true)
                        .termBufferSparseFile(true)
                        // The async executor only resolves names when a channel is added: it may
                        // park long (its default idle cost 1-2% of a core on an idle node).
                        .asyncExecutorIdleStrategy(new BackoffIdleStrategy(1, 1, TimeUnit.MICROSECONDS.toNanos(1),
                                TimeUnit.MILLISECONDS.toNanos(50)))
                        .asyncExecutorThreadFactory(named("kabuki-" + system + "-aeron-executor"))
                        .errorHandler(e -> LOG.warn("Aeron media driver of '{}': {}", system, e.toString()));
                if (threading == RemoteSettings.DriverThreading.DEDICATED) {
                    ctx.threadingMode(ThreadingMode.DEDICATED)
                            .conductorIdleStrategy(backoff(maxIdleParkNanos)).senderIdleStrategy(driverIdle)
                            .receiverIdleStrategy(driverIdle(activity, maxIdleParkNanos))
                            .conductorThreadFactory(named("kabuki-" + system + "-aeron-conductor"))
                            .senderThreadFactory(named("kabuki-" + system + "-aeron-sender"))
                            .receiverThreadFactory(named("kabuki-" + system + "-aeron-receiver"));
                } else {
                    ctx.threadingMode(ThreadingMode.SHARED)
                            .sharedIdleStrategy(driverIdle)
                            .sharedThreadFactory(named("kabuki-" + system + "-aeron-driver"));
                }
                d = MediaDriver.launch(ctx);
            }
            a = Aeron.connect(new Aeron.Context()
                    .aeronDirectoryName(directory)
                    // No conductor thread of its own: the poller runs the client conductor's duty
                    // cycle in poll(), and calls that await the driver run it themselves.
                    .useConductorAgentInvoker(true)
                    .errorHandler(e -> LOG.warn("Aeron client of '{}': {}", system, e.toString())));
            // Both streams on one UDP endpoint: the same channel string makes the driver share
            // the first subscription's receive endpoint. Not so with port 0 (each subscription
            // would bind a port of its own), so port 0 is first turned into a free port.
            int port = bindPort != 0 ? bindPort : freeUdpPort(bindHost);
            String channel = "aeron:udp?endpoint=" + endpoint(bindHost, port);
            Subscription c = a.addSubscription(channel, CONTROL_STREAM);
            Subscription o = a.addSubscription(channel, ORDINARY_STREAM);
            String resolved = awaitResolved(c, a.conductorAgentInvoker());
            String resolvedOrdinary = awaitResolved(o, a.conductorAgentInvoker());
            if (!resolved.equals(resolvedOrdinary)) {
                throw new IllegalStateException("the control and ordinary streams bound different endpoints, "
                        + resolved + " and " + resolvedOrdinary);
            }
            this.driver = d;
            this.aeron = a;
            this.clientConductor = a.conductorAgentInvoker();
            this.control = c;
            this.ordinary = o;
            int colon = resolved.lastIndexOf(':');
            this.localAddress = InetSocketAddress.createUnresolved(bindHost, Integer.parseInt(resolved.substring(colon + 1)));
        } catch (RuntimeException e) {
            CloseHelper.quietClose(a);
            CloseHelper.quietClose(d);
            if (!external) {
                IoUtil.delete(new File(directory), true);
            }
            if (e instanceof IllegalStateException) {
                throw e;
            }
            // Aeron reports a bind failure (port taken, address not on this host) as a
            // RegistrationException from its conductor: say which endpoint and why, once.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int at = why.indexOf("channel error - ");
            if (at >= 0) {
                why = why.substring(at + "channel error - ".length());
            }
            throw new IllegalStateException("remote: could not bind UDP " + endpoint(bindHost, bindPort)
                    + " for actor system '" + system + "'"
                    + (external ? " with the external media driver at " + directory : "") + ": " + why, e);
        }
        this.controlAssembler = new FragmentAssembler((b, off, len, h) -> current.onFrame(true, b, off, len, h.sessionId()));
        this.ordinaryAssembler = new FragmentAssembler((b, off, len, h) -> current.onFrame(false, b, off, len, h.sessionId()));
    }

    private static String awaitResolved(Subscription s, AgentInvoker clientConductor) {
        long deadline = System.nanoTime() + BIND_TIMEOUT_NANOS;
        for (;;) {
            String r = s.resolvedEndpoint();
            if (r != null) {
                return r;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("could not bind " + s.channel() + " within "
                        + TimeUnit.NANOSECONDS.toSeconds(BIND_TIMEOUT_NANOS) + " s (channel status "
                        + s.channelStatus() + ")");
            }
            clientConductor.invoke();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a start-up wait for the driver, bounded above
        }
    }

    /**
     * A UDP port free on {@code host} right now (the OS picks it). Another process could take it
     * before the driver binds it; the bind then fails with "address already in use". Port 0 is
     * meant for tests; a node others must find has a fixed port.
     */
    private static int freeUdpPort(String host) {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress(host, 0))) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not find a free UDP port on " + host + ": " + e.getMessage(), e);
        }
    }

    private static String endpoint(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Idle: spin 10, yield 20, then park from 1 µs doubling to {@code maxParkNanos}. */
    private static IdleStrategy backoff(long maxParkNanos) {
        return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), maxParkNanos);
    }

    /** A driver thread's idle strategy: woken by offers, reporting its busy cycles to {@code activity}. */
    private static WakeableIdleStrategy driverIdle(TransportActivity activity, long maxParkNanos) {
        return new WakeableIdleStrategy(null, activity::worked, TimeUnit.MICROSECONDS.toNanos(1), maxParkNanos);
    }

    private static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** The driver's directory (tests check it is gone after close). */
    String directory() {
        return directory;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public Link link(String host, int port) {
        if (closed) {
            throw new IllegalStateException("transport closed");
        }
        String peer = endpoint(host, port);
        ExclusivePublication c = aeron.addExclusivePublication(
                "aeron:udp?endpoint=" + peer + "|term-length=" + CONTROL_TERM_LENGTH, CONTROL_STREAM);
        ExclusivePublication o;
        try {
            o = aeron.addExclusivePublication(
                    "aeron:udp?endpoint=" + peer + "|term-length=" + ordinaryTermLength, ORDINARY_STREAM);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        AeronLink link = new AeronLink(c, o);
        links.add(link);
        return link;
    }

    @Override
    public int poll(FrameHandler handler, int limit) {
        current = handler;
        int n = clientConductor.invoke();
        n += control.poll(controlAssembler, limit);
        return n + ordinary.poll(ordinaryAssembler, limit);
    }

    @Override
    public TransportActivity activity() {
        return activity;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AeronLink l : links) {
            l.close();
        }
        CloseHelper.quietCloseAll(control, ordinary);
        CloseHelper.quietClose(aeron);
        CloseHelper.quietClose(driver);
        if (!external) {
            IoUtil.delete(new File(directory), true);
        }
    }

    private final class AeronLink implements Link {
        private final ExclusivePublication control;
        private final ExclusivePublication ordinary;
        private boolean closed;

        AeronLink(ExclusivePublication control, ExclusivePublication ordinary) {
            this.control = control;
            this.ordinary = ordinary;
        }

        @Override
        public Offer offer(boolean onControl, DirectBuffer buffer, int offset, int length) {
            if (closed) {
                return Offer.CLOSED;
            }
            ExclusivePublication p = onControl ? control : ordinary;
            if (length > p.maxMessageLength()) {
                throw new IllegalArgumentException("frame of " + length + " bytes exceeds the "
                        + (onControl ? "control" : "ordinary") + " stream's limit of " + p.maxMessageLength());
            }
            long r = p.offer(buffer, offset, length);
            if (r == Publication.ADMIN_ACTION) {
                r = p.offer(buffer, offset, length); // a term rotation: retry once at once
            }
            if (r > 0) {
                if (driverIdle != null) {
                    driverIdle.wake();
                }
                return Offer.SENT;
            }
            if (r == Publication.BACK_PRESSURED || r == Publication.ADMIN_ACTION) {
                return Offer.BACK_PRESSURED;
            }
            if (r == Publication.NOT_CONNECTED) {
                return Offer.NOT_CONNECTED;
            }
            return Offer.CLOSED;
        }

        @Override
        public boolean isConnected() {
            return !closed && control.isConnected() && ordinary.isConnected();
        }

        @Override
        public int maxFrameLength(boolean onControl) {
            return (onControl ? control : ordinary).maxMessageLength();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                CloseHelper.quietCloseAll(control, ordinary);
            }
        }
    }
}
