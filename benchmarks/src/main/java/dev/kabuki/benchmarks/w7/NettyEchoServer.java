package dev.kabuki.benchmarks.w7;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The Netty peer of W7 TCP echo (WORKLOADS.md): the idiomatic Netty 4.2 echo server, each
 * received {@code ByteBuf} written back as it is and flushed at {@code channelReadComplete}.
 * <pre>
 *   java -cp benchmarks.jar dev.kabuki.benchmarks.w7.NettyEchoServer [--host 127.0.0.1] [--port 0]
 *        [--transport nio|epoll] [--threads N]
 * </pre>
 * The command-line contract is the one kabuki's {@code dev.kabuki.examples.net.EchoServer}
 * follows, so that benchmarks/run drives both alike:
 * <ul>
 *   <li>{@code --host} (default 127.0.0.1), {@code --port} (default 0: any free port);</li>
 *   <li>once the socket accepts, exactly one line {@code listening on <host>:<port>} on stdout
 *       (the bound port); everything else goes to stderr;</li>
 *   <li>SIGTERM closes the listening channel and shuts the event loops down (a shutdown hook;
 *       quiet period 0, at most 5 s), then the JVM exits.</li>
 * </ul>
 * Peer-specific: {@code --transport nio} (JDK selector, the default) or {@code epoll}
 * (netty-transport-native-epoll, Linux x86_64 only; the server fails at start-up if the native
 * library cannot be loaded), and {@code --threads N}: event-loop threads (default: available
 * processors). One {@link MultiThreadIoEventLoopGroup} of N threads both accepts and serves the
 * connections, so N is the server's whole thread count for I/O. TCP_NODELAY is on for every
 * accepted connection.
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    /** Writes back what it reads; flushes once per read burst. Stateless, so one instance serves all. */
    @Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        static final EchoHandler INSTANCE = new EchoHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset by a load client that exits is normal; anything goes, the connection closes.
            ctx.close();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        String host = "127.0.0.1";
        int port = 0;
        String transport = "nio";
        int threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value after " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--host" -> host = v;
                case "--port" -> port = parseInt(a, v, 0, 65535);
                case "--transport" -> transport = v;
                case "--threads" -> threads = parseInt(a, v, 1, 4096);
                default -> usage("unknown option " + a);
            }
        }
        IoHandlerFactory ioHandlers;
        Class<? extends ServerChannel> channelType;
        switch (transport) {
            case "nio" -> {
                ioHandlers = NioIoHandler.newFactory();
                channelType = NioServerSocketChannel.class;
            }
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    System.err.println("NettyEchoServer: native epoll transport unavailable: "
                            + Epoll.unavailabilityCause());
                    System.exit(1);
                }
                ioHandlers = EpollIoHandler.newFactory();
                channelType = EpollServerSocketChannel.class;
            }
            default -> {
                usage("--transport must be nio or epoll, not " + transport);
                return;
            }
        }

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, ioHandlers);
        Channel server;
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(channelType)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(EchoHandler.INSTANCE);
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            System.err.println("NettyEchoServer: cannot listen on " + host + ":" + port + ": " + e);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(8, TimeUnit.SECONDS);
        }, "netty-echo-shutdown"));

        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        System.err.printf("NettyEchoServer: transport=%s threads=%d java=%s%n",
                transport, threads, Runtime.version());
        System.out.println("listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort());
        System.out.flush();
        server.closeFuture().sync();
    }

    private static int parseInt(String option, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the usage message
        }
        usage(option + " must be an integer in [" + min + ", " + max + "], not " + value);
        return -1;
    }

    private static void usage(String problem) {
        System.err.println("NettyEchoServer: " + problem);
        System.err.println("usage: NettyEchoServer [--host 127.0.0.1] [--port 0] [--transport nio|epoll] [--threads N]");
        System.exit(2);
    }
}
