package dev.hubbub.server;

import dev.hubbub.transport.BrokerServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.concurrent.EventExecutor;

/**
 * The process's own meters beside the broker's: JVM memory, GC (its notification listener removed
 * on {@link #close()}), threads, classes, CPU, uptime, open files; Netty's allocator and the
 * pending tasks of each event loop.
 */
final class RuntimeMetrics implements AutoCloseable {
    private final MeterRegistry registry;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    RuntimeMetrics(MeterRegistry registry) {
        this.registry = registry;
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /**
     * Memory the listener's allocator holds (heap and direct; arenas and caches of a pooled one), the
     * direct memory the memory pressure is judged on ({@code broker_memory_direct_used_bytes}: network
     * buffers and kept history), and whether the node is under pressure ({@code broker_memory_pressure},
     * 1 while it is).
     */
    void bindListener(BrokerServer server) {
        if (server.allocator() instanceof ByteBufAllocatorMetricProvider metered) {
            new NettyAllocatorMetrics(metered).bindTo(registry);
        }
        Gauge.builder("broker.memory.direct.used", server, BrokerServer::directMemoryInUse).baseUnit("bytes")
                .description("Direct memory in use (network buffers and kept history), as memory pressure judges it; "
                        + "pressure starts above server.memoryPressureBytes").register(registry);
        Gauge.builder("broker.memory.pressure", server.backlogLimit(), b -> b.pressed() ? 1 : 0)
                .description("1 while the node is short of direct memory: connections with more than "
                        + "server.backlogUnderPressureBytes unsent are dropped").register(registry);
    }

    /** Tasks waiting on each of the listener's event loops (a loop that falls behind shows here first). */
    void bindEventLoops(Iterable<EventExecutor> loops) {
        new NettyEventExecutorMetrics(loops).bindTo(registry);
    }

    @Override
    public void close() {
        gc.close();
    }
}
