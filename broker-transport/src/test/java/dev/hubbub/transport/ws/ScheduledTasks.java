package dev.hubbub.transport.ws;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import java.lang.reflect.Field;
import java.util.Collection;
import java.util.concurrent.ExecutionException;

/** How many Netty scheduled tasks a loop holds: read from the loop's own task queue, on the loop. */
final class ScheduledTasks {
    private ScheduledTasks() {}

    static int count(EventLoop loop) {
        try {
            return loop.inEventLoop() ? countHere(loop) : loop.submit(() -> countHere(loop)).get();
        } catch (ReflectiveOperationException | InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    private static int countHere(EventLoop loop) throws ReflectiveOperationException {
        Field f = AbstractScheduledEventExecutor.class.getDeclaredField("scheduledTaskQueue");
        f.setAccessible(true);
        Collection<?> queue = (Collection<?>) f.get(loop);
        return queue == null ? 0 : queue.size();
    }
}
