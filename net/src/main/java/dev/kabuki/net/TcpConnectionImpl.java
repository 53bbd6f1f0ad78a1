package dev.kabuki.net;

import dev.kabuki.actors.ActorRef;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection: its channel, decoder, inbound credit and outbound queue.
 *
 * <h2>Threads</h2>
 * Reads, decoding, interest changes, the close of the channel and the sweep run on the loop
 * thread. Writes and closes are requested from any thread (the handler's, another actor's).
 *
 * <h2>Outbound invariant</h2>
 * Encoded buffers go on {@code outbound} (lock-free, many producers) and {@code queuedBytes} is
 * raised before the offer. Only the holder of {@code flushing} writes to the socket; it moves
 * buffers to {@code inFlight} (its own) and writes them with one gathering write. A producer
 * offers, then tries {@code flushing}; a flusher releases {@code flushing}, then looks at the
 * queue again. Both are volatile accesses in one total order, so one of the two sees the other's
 * step: no buffer is left queued with nobody flushing (Dekker). When the socket takes fewer bytes
 * than offered, {@code waitingForWritable} is set and the loop is asked for {@code OP_WRITE};
 * until the loop sees the socket writable, producers only queue. {@code inFlight} is non-empty
 * only while {@code waitingForWritable} is set.
 *
 * <h2>Inbound credit</h2>
 * {@code unprocessed} counts {@link TcpEvent.Received} messages told to the handler and not yet
 * processed. The loop raises it per frame and stops reading (clears {@code OP_READ}, sets
 * {@code readPaused}) at the high-water mark; the handler lowers it after each frame and asks the
 * loop to resume at the low-water mark if {@code readPaused} is set. The loop sets
 * {@code readPaused} before re-reading {@code unprocessed}, and the handler lowers
 * {@code unprocessed} before reading {@code readPaused} (Dekker again), so a pause is never left
 * in place with nothing in the mailbox to end it.
 */
final class TcpConnectionImpl<F> implements TcpConnection<F>, IoLoop.Selectable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpConnectionImpl.class);
    private static final int OPEN = 0;
    /** Graceful close requested: writes refused, flushing, then the socket closes. */
    private static final int CLOSING = 1;
    /** Output shut (or being shut after a flush); reads go on. */
    private static final int OUTPUT_SHUT = 2;
    private static final int CLOSED = 3;
    /** Buffers per gathering write. */
    private static final int GATHER = 64;
    /** How long the handler stays off the loop thread after its first slow inline run: 1 s. */
    private static final long INLINE_PAUSE_NANOS = 1_000_000_000L;
    /** The longest such pause, after many slow runs in a row: 64 s. */
    static final long MAX_INLINE_PAUSE_NANOS = 64 * INLINE_PAUSE_NANOS;

    private final long id;
    private final SocketChannel channel;
    private final IoLoop loop;
    private final Codec<F> codec;
    private final TcpOptions options;
    private final ConnectionOwner owner;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private Codec.Decoder<F> decoder;
    private SelectionKey key;
    private volatile ActorRef<Object> handler;

    private final AtomicInteger state = new AtomicInteger(OPEN);
    private volatile CloseReason closeReason;
    /** The reason to close with once a graceful close has flushed. */
    private volatile CloseReason pendingReason;
    /** Whether the handler should not be told {@link TcpEvent.Closed} (it stopped already). */
    private volatile boolean handlerGone;
    private long closeDeadline;
    private boolean outputShutDone;
    private boolean peerEof;

    // inbound: loop thread only, but unprocessed and readPaused
    private ByteBuffer cumulation;
    private final AtomicInteger unprocessed = new AtomicInteger();
    private volatile boolean readPaused;
    /** Reading suspended by the handler ({@link #suspendReading()}); loop thread only. */
    private boolean readSuspended;
    private final AtomicBoolean resumePosted = new AtomicBoolean();
    private long lastFrameNanos;
    /** The handler's slow inline runs (IoLoop) since its last fast one; loop thread only. */
    private int slowInARow;
    /** Strikes (two slow inline runs in a row) less the fast runs since, at least 0; loop thread only. */
    private int inlineStrikes;
    /** No inline run before this ({@link System#nanoTime()}) after a slow one; loop thread only. */
    private long inlineAgainAt;

    // outbound
    private final ConcurrentLinkedQueue<ByteBuffer> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private final ArrayDeque<ByteBuffer> inFlight = new ArrayDeque<>(); // flushing holder only
    private final ByteBuffer[] gather = new ByteBuffer[GATHER];        // flushing holder only
    private volatile boolean waitingForWritable;
    private final AtomicBoolean unwritable = new AtomicBoolean();

    TcpConnectionImpl(long id, SocketChannel channel, IoLoop loop, Codec<F> codec, TcpOptions options,
                      ConnectionOwner owner) throws IOException {
        this.id = id;
        this.channel = channel;
        this.loop = loop;
        this.codec = codec;
        this.options = options;
        this.owner = owner;
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        this.local = (InetSocketAddress) channel.getLocalAddress();
    }

    // ------------------------------------------------------------------ set-up (loop thread)

    /**
     * Registers the channel (no interest yet), makes the decoder and the handler actor, tells
     * it {@link TcpEvent.Connected}, then starts reading. Loop thread.
     *
     * @throws Exception the decoder, registration or spawn failed; the caller closes the channel
     */
    void start(HandlerSpawner spawner, SelectionKey existing) throws Exception {
        decoder = codec.newDecoder();
        if (existing != null) {
            key = existing;
            key.interestOps(0);
            key.attach(this);
        } else {
            key = loop.register(channel, 0, this);
        }
        lastFrameNanos = System.nanoTime();
        handler = spawner.spawn(this);
        owner.opened(this);
        handler.tell(ConnectionActor.Envelope.CONNECTED);
        updateReadInterest();
        if (options.idleTimeout().isPositive()) {
            loop.sweep(this);
        }
    }

    /** Makes the handler actor of a connection. */
    interface HandlerSpawner {
        ActorRef<Object> spawn(TcpConnectionImpl<?> conn);
    }

    // ------------------------------------------------------------------ inbound (loop thread)

    @Override
    public void onReady(SelectionKey k, int readyOps) {
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            onWritable();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0 && state.get() != CLOSED) {
            onReadable();
        }
    }

    private void onReadable() {
        int readSize = Math.min(options.readBufferSize(), IoDriver.LOOP_READ_BUFFER);
        ByteBuffer buf;
        if (cumulation != null && cumulation.position() > IoDriver.LOOP_READ_BUFFER / 2) {
            // A large partial frame: read straight after it, with a whole read's room.
            if (cumulation.remaining() < readSize) {
                cumulation = grow(cumulation, cumulation.position() + readSize);
            }
            buf = cumulation;
        } else {
            // A small partial frame (a pipelined request cut by the last read) is moved to the
            // front of the shared buffer, so the read still gets a whole read's room.
            ByteBuffer shared = loop.readBuffer();
            int kept = 0;
            if (cumulation != null) {
                kept = cumulation.position();
                shared.put(cumulation.flip());
                cumulation = null;
            }
            buf = shared.limit(Math.min(kept + readSize, shared.capacity()));
        }
        int n;
        try {
            n = channel.read(buf);
        } catch (IOException e) {
            closeNow(resetOrError(e, "read"), true);
            return;
        }
        if (n < 0) {
            onEndOfStream();
            return;
        }
        if (n == 0) {
            if (buf != cumulation) {
                keepRemainder(buf.flip()); // bytes moved to the shared buffer above stay kept
            }
            return;
        }
        owner.bytesIn(n);
        buf.flip();
        int delivered = 0;
        try {
            F frame;
            while (state.get() != CLOSED && (frame = decoder.decode(buf)) != null) {
                deliver(frame);
                delivered++;
            }
        } catch (DecodingException e) {
            decodingFailed(new CloseReason(CloseReason.Kind.DECODING_FAILED, e.getMessage() == null
                    ? "the input could not be decoded" : e.getMessage(), e));
            return;
        } catch (RuntimeException e) {
            decodingFailed(new CloseReason(CloseReason.Kind.DECODING_FAILED, "the decoder threw " + e, e));
            return;
        }
        keepRemainder(buf);
        if (delivered > 0 && unprocessed.get() >= options.inboundHighWater()) {
            pauseReading();
        }
    }

    /** Keeps the bytes of {@code buf} not consumed yet for the next read; null drops them. */
    private void keepRemainder(ByteBuffer buf) {
        if (buf == null || !buf.hasRemaining()) {
            cumulation = null; // an idle connection holds no buffer
            return;
        }
        if (buf == cumulation) {
            cumulation.compact();
            return;
        }
        ByteBuffer kept = ByteBuffer.allocate(buf.remaining());
        kept.put(buf);
        cumulation = kept; // in write mode, full: the next read moves or grows it
    }

    /** A copy of {@code buf}'s kept bytes with room for at least {@code capacity} (doubling, to stay amortised). */
    private static ByteBuffer grow(ByteBuffer buf, int capacity) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(capacity, buf.capacity() * 2));
        buf.flip();
        bigger.put(buf);
        return bigger;
    }

    private void deliver(F frame) {
        unprocessed.incrementAndGet();
        lastFrameNanos = System.nanoTime();
        owner.frameIn();
        handler.tell(new ConnectionActor.Envelope(new TcpEvent.Received<>(frame)));
    }

    private void pauseReading() {
        readPaused = true;
        updateReadInterest();
        if (unprocessed.get() <= options.inboundLowWater()) { // the handler caught up meanwhile
            resumeAfterCredit();
        }
    }

    /** Loop thread: reads again if paused and the handler is at or below the low-water mark. */
    private void resumeAfterCredit() {
        resumePosted.set(false);
        if (readPaused && unprocessed.get() <= options.inboundLowWater()) {
            readPaused = false;
            updateReadInterest();
        }
    }

    /** Loop thread: OP_READ on exactly when no pause, suspension or end of input stops reading. */
    private void updateReadInterest() {
        if (key == null || !key.isValid() || state.get() == CLOSED) {
            return;
        }
        boolean read = !readPaused && !readSuspended && !peerEof;
        int ops = key.interestOps();
        int wanted = read ? ops | SelectionKey.OP_READ : ops & ~SelectionKey.OP_READ;
        if (wanted != ops) {
            key.interestOps(wanted);
        }
    }

    @Override
    public void suspendReading() {
        loop.execute(() -> {
            readSuspended = true;
            updateReadInterest();
        });
    }

    @Override
    public void resumeReading() {
        loop.execute(() -> {
            readSuspended = false;
            updateReadInterest();
        });
    }

    /** Handler thread: one {@link TcpEvent.Received} processed. */
    void frameProcessed() {
        int left = unprocessed.decrementAndGet();
        if (left <= options.inboundLowWater() && readPaused && resumePosted.compareAndSet(false, true)) {
            loop.execute(this::resumeAfterCredit);
        }
    }

    /**
     * Stops reading for good and closes through the handler's mailbox, after the frames decoded
     * before the bad bytes: their answers are written before the close.
     */
    private void decodingFailed(CloseReason reason) {
        keepRemainder(null);
        peerEof = true; // reads no more: nothing may turn OP_READ back on
        updateReadInterest();
        handler.tell(new ConnectionActor.Envelope(new ConnectionActor.CloseRequest(reason)));
    }

    private void onEndOfStream() {
        peerEof = true; // level-triggered: EOF would be reported for ever unless OP_READ goes
        updateReadInterest();
        if (state.get() == OUTPUT_SHUT && outputShutDone) {
            closeNow(CloseReason.of(CloseReason.Kind.PEER_CLOSED, "both sides shut their output"), false);
            return;
        }
        // Through the handler's mailbox, after the frames before it: with half-closure allowed it
        // sees PeerClosed; without, it closes gracefully there, once those frames are processed.
        handler.tell(ConnectionActor.Envelope.PEER_EOF);
    }

    // ------------------------------------------------------------------ outbound (any thread)

    @Override
    public boolean write(F frame) {
        if (queue(frame)) {
            flush();
            return true;
        }
        return false;
    }

    @Override
    public boolean queue(F frame) {
        if (state.get() != OPEN) {
            return false;
        }
        ByteBuffer bytes = codec.encode(frame);
        int n = bytes.remaining();
        long queued = queuedBytes.addAndGet(n);
        if (queued > options.outboundLimit()) {
            queuedBytes.addAndGet(-n);
            if (options.outboundOverflow() == TcpOptions.OutboundOverflow.REFUSE_WRITE) {
                return false;
            }
            requestClose(CloseReason.of(CloseReason.Kind.OUTBOUND_OVERFLOW, "unflushed output would pass the "
                    + options.outboundLimit() + "-byte limit (" + (queued - n) + " queued): the peer is not reading"), true);
            return false;
        }
        outbound.offer(bytes);
        owner.frameOut();
        if (queued > options.outboundHighWater() && unwritable.compareAndSet(false, true)) {
            tellHandler(ConnectionActor.Envelope.UNWRITABLE);
        }
        return true;
    }

    /** Writes what is queued if no other thread is, and the socket is not known to be full. */
    @Override
    public void flush() {
        while (!waitingForWritable && !outbound.isEmpty() && flushing.compareAndSet(false, true)) {
            try {
                writeQueued();
            } finally {
                flushing.set(false);
            }
        }
        afterFlush();
    }

    /** Holder of {@code flushing}: writes until the queue is empty or the socket is full. */
    private void writeQueued() {
        while (true) {
            ByteBuffer next;
            while (inFlight.size() < GATHER && (next = outbound.poll()) != null) {
                inFlight.add(next);
            }
            int count = 0;
            for (ByteBuffer b : inFlight) {
                gather[count++] = b;
            }
            if (count == 0) {
                return;
            }
            long want = 0;
            for (int i = 0; i < count; i++) {
                want += gather[i].remaining();
            }
            long written;
            try {
                written = count == 1 ? channel.write(gather[0]) : channel.write(gather, 0, count);
            } catch (IOException e) {
                Arrays.fill(gather, 0, count, null);
                dropOutput();
                requestClose(resetOrError(e, "write"), true);
                return;
            }
            Arrays.fill(gather, 0, count, null);
            while (!inFlight.isEmpty() && !inFlight.peekFirst().hasRemaining()) {
                inFlight.pollFirst();
            }
            if (written > 0) {
                owner.bytesOut(written);
                queuedBytes.addAndGet(-written);
            }
            if (written < want) {
                waitingForWritable = true;
                loop.execute(this::armWrite);
                return;
            }
            if (waitingForWritable) {
                // This holder passed the check before another set the flag, then wrote the rest:
                // nothing waits for OP_WRITE any more.
                waitingForWritable = false;
            }
        }
    }

    /** Loop thread: asks to be told when the socket takes bytes again. */
    private void armWrite() {
        if (key != null && key.isValid()) {
            key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        }
    }

    /** Loop thread: the socket takes bytes again. */
    private void onWritable() {
        if (key.isValid()) {
            key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
        }
        if (flushing.compareAndSet(false, true)) {
            try {
                waitingForWritable = false;
                writeQueued();
            } finally {
                flushing.set(false);
            }
            flush(); // what producers queued while the socket was full, and while this held the flag
        }
    }

    /** Water marks and the end of a graceful close or half-close, after bytes were written. */
    private void afterFlush() {
        if (unwritable.get() && queuedBytes.get() < options.outboundLowWater() && unwritable.compareAndSet(true, false)) {
            tellHandler(ConnectionActor.Envelope.WRITABLE);
        }
        int s = state.get();
        if ((s == CLOSING || s == OUTPUT_SHUT) && outputDrained()) {
            loop.execute(this::finishDrained);
        }
    }

    private boolean outputDrained() {
        return !waitingForWritable && outbound.isEmpty() && queuedBytes.get() == 0;
    }

    /** Loop thread: the output of a closing or half-closing connection is flushed. */
    private void finishDrained() {
        int s = state.get();
        if (!outputDrained() || s == CLOSED) {
            return;
        }
        if (s == CLOSING) {
            closeNow(pendingReason, false);
        } else if (s == OUTPUT_SHUT && !outputShutDone) {
            outputShutDone = true;
            try {
                channel.shutdownOutput();
            } catch (IOException e) {
                closeNow(resetOrError(e, "shutdownOutput"), true);
                return;
            }
            if (peerEof) {
                closeNow(CloseReason.of(CloseReason.Kind.PEER_CLOSED, "both sides shut their output"), false);
            }
        }
    }

    private void dropOutput() {
        outbound.clear();
        queuedBytes.set(0);
    }

    // ------------------------------------------------------------------ closing

    @Override
    public void close() {
        requestClose(CloseReason.of(CloseReason.Kind.CLOSED_BY_HANDLER, "closed by the handler"), false);
    }

    @Override
    public void abort() {
        requestClose(CloseReason.of(CloseReason.Kind.ABORTED, "aborted by the handler"), true);
    }

    @Override
    public void shutdownOutput() {
        if (state.compareAndSet(OPEN, OUTPUT_SHUT)) {
            flush();
            if (outputDrained()) {
                loop.execute(this::finishDrained);
            }
        }
    }

    /**
     * Closes gracefully (flush, then close, within the close timeout) or at once with a reset.
     * Any thread; the first reason wins.
     */
    void requestClose(CloseReason reason, boolean abortive) {
        if (abortive) {
            if (!loop.execute(() -> closeNow(reason, true))) {
                closeNow(reason, true); // the loop is gone: close here
            }
            return;
        }
        int s;
        do {
            s = state.get();
            if (s == CLOSING || s == CLOSED) {
                return;
            }
        } while (!state.compareAndSet(s, CLOSING));
        pendingReason = reason;
        boolean posted = loop.execute(() -> {
            if (state.get() == CLOSED) {
                return;
            }
            closeDeadline = System.nanoTime() + options.closeTimeout().toNanos();
            loop.sweep(this);
            if (outputDrained()) {
                closeNow(reason, false);
            }
        });
        if (!posted) {
            closeNow(reason, true);
            return;
        }
        flush();
    }

    /** Loop thread (or any thread once the loop is gone): closes the channel; idempotent. */
    private void closeNow(CloseReason reason, boolean reset) {
        int s;
        do {
            s = state.get();
            if (s == CLOSED) {
                return;
            }
        } while (!state.compareAndSet(s, CLOSED));
        closeReason = reason;
        loop.unsweep(this);
        try {
            if (reset && channel.isOpen()) {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            if (key != null) {
                key.cancel();
            }
            channel.close();
        } catch (IOException e) {
            LOG.debug("connection {}: closing the channel failed", id, e);
        }
        dropOutput();
        cumulation = null;
        owner.closed(this, reason);
        if (handler != null && !handlerGone) {
            handler.tell(new ConnectionActor.Envelope(new TcpEvent.Closed<>(reason)));
        }
    }

    @Override
    public void onSweep(long now) {
        int s = state.get();
        if (s == CLOSING && now - closeDeadline >= 0) {
            closeNow(new CloseReason(pendingReason.kind(), pendingReason.message() + "; output not flushed within "
                    + options.closeTimeout() + ", reset", null), true);
        } else if (s != CLOSED && options.idleTimeout().isPositive()
                && now - lastFrameNanos >= options.idleTimeout().toNanos() && s == OPEN) {
            requestClose(CloseReason.of(CloseReason.Kind.IDLE_TIMEOUT, "no whole frame received in "
                    + options.idleTimeout()), false);
        }
    }

    /**
     * The handler may run on the loop thread while the core workers are parked (IoLoop's
     * inline hand-off), except for a while after it was slow there. One slow run (longer than
     * IoLoop's threshold) is forgiven: a collector's pause or the vCPU being taken away makes a
     * single run slow now and then, and so do a cold start's first runs. Two slow runs in a row
     * are a strike: no inline runs for 1 s after the first strike, twice as long after each
     * further one (up to {@link #MAX_INLINE_PAUSE_NANOS}); a fast run takes one strike back. A
     * handler that computes or blocks for long thus delays the loop's other connections twice,
     * then once per pause, the pauses growing to a minute.
     */
    @Override
    public boolean mayRunInline() {
        return inlineStrikes == 0 || System.nanoTime() - inlineAgainAt >= 0;
    }

    @Override
    public void ranInline(long nanos, boolean slow) {
        if (!slow) {
            slowInARow = 0;
            if (inlineStrikes > 0) {
                inlineStrikes--;
            }
            return;
        }
        if (++slowInARow < 2) {
            return;
        }
        inlineStrikes++;
        long pause = Math.min(MAX_INLINE_PAUSE_NANOS, INLINE_PAUSE_NANOS << Math.min(inlineStrikes - 1, 20));
        inlineAgainAt = System.nanoTime() + pause;
        LOG.debug("{}: the handler ran {} µs on the I/O thread, slow {} times in a row: it runs on the core"
                + " workers for the next {} ms", actorName(), nanos / 1000, slowInARow, pause / 1_000_000);
    }

    @Override
    public void onLoopClosed() {
        handlerGone = true;
        closeNow(CloseReason.of(CloseReason.Kind.SYSTEM_SHUTDOWN, "the actor system shut down"), true);
    }

    /** The handler actor has stopped: close with the given reason, and tell it nothing more. */
    void handlerStopped(CloseReason reason) {
        handlerGone = true;
        requestClose(reason, false);
    }

    private void tellHandler(ConnectionActor.Envelope e) {
        ActorRef<Object> h = handler;
        if (h != null && !handlerGone) {
            h.tell(e);
        }
    }

    private static CloseReason resetOrError(IOException e, String op) {
        String m = String.valueOf(e.getMessage());
        boolean reset = e instanceof SocketException || m.contains("reset") || m.contains("Broken pipe");
        return new CloseReason(reset ? CloseReason.Kind.RESET : CloseReason.Kind.IO_ERROR,
                (reset ? "the connection was reset (" : op + " failed (") + m + ")", e);
    }

    // ------------------------------------------------------------------ state

    String actorName() {
        return owner.label() + "-conn-" + id;
    }

    boolean allowHalfClosure() {
        return options.allowHalfClosure();
    }

    @Override
    public boolean isOpen() {
        return state.get() == OPEN;
    }

    @Override
    public boolean isWritable() {
        return !unwritable.get();
    }

    @Override
    public long queuedBytes() {
        return queuedBytes.get();
    }

    @Override
    public Optional<CloseReason> closeReason() {
        return Optional.ofNullable(closeReason);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public ActorRef<?> handler() {
        return handler;
    }

    @Override
    public String toString() {
        return "TcpConnection#" + id + "[" + local + " <- " + remote + "]";
    }
}
