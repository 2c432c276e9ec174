package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.report.Ratios;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.Pacer;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.run.PublishSchedule;
import dev.hubbub.bench.run.SequenceTracker;
import dev.hubbub.bench.run.Window;
import io.netty.channel.EventLoop;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The resume run's paced publisher: each payload carries its send time and a sequence number.
 * Its connection publishes nothing else, so a message's msgSerial is its sequence number, and
 * ACK/NACK ranges are ranges of sequence numbers. Due messages that find the socket unwritable
 * are skipped (no sequence number is used up), so skips are not losses.
 */
final class SequencedPublisher extends CountingListener implements Pacer.Paced {
    private final String channel;
    private final Payload payload;
    private final PublishSchedule schedule;
    private final ResumeTally tally;
    private final LongAdder sentInWindow = new LongAdder();
    private final LongAdder skippedInWindow = new LongAdder();
    // by Window.slot (before, in, after the window), so the per-message path has no branch that turns at its start
    private final LongAdder[] sentBy = {new LongAdder(), sentInWindow, new LongAdder()};
    private final LongAdder[] skippedBy = {new LongAdder(), skippedInWindow, new LongAdder()};
    private final LongAdder acked = new LongAdder();
    private final LongAdder nackedCount = new LongAdder();
    private final BitSet nacked = new BitSet();
    /** Set once connected, before the pacer starts. */
    Connection conn;
    private long next;
    private volatile long lastSent = -1;

    SequencedPublisher(String channel, Payload payload, double rate, long tickMicros, ResumeTally tally) {
        super("publisher", tally.errors, tally.unexpectedCloses);
        this.channel = channel;
        this.payload = payload;
        this.schedule = new PublishSchedule(rate, tickMicros, 0);
        this.tally = tally;
    }

    @Override
    public EventLoop eventLoop() {
        return conn.eventLoop();
    }

    @Override
    public void tick(long now) {
        Window w = tally.window();
        if (w == null || w.isOver(now) || !conn.isOpen()) {
            return;
        }
        long n = schedule.take(now - w.trafficStart(), conn.isWritable(), skippedBy[w.slot(now)]);
        for (long i = 0; i < n; i++) {
            long stamp = System.nanoTime();
            long seq = next++;
            conn.publish(channel, "bench", payload.encode(stamp, seq), false);
            lastSent = seq;
            sentBy[w.slot(stamp)].increment();
        }
        if (n > 0) {
            conn.flush();
        }
    }

    @Override
    public void onAck(Connection c, long msgSerial, int count) {
        acked.add(count);
    }

    @Override
    public void onNack(Connection c, long msgSerial, int count, InboundFrame f) {
        tally.errors.add("nack-" + f.errorKey(), count, f.errorMessage());
        nackedCount.add(count);
        synchronized (nacked) {
            nacked.set((int) msgSerial, (int) (msgSerial + count));
        }
    }

    /** The sequence number of the last message sent; -1 before the first. */
    long lastSent() {
        return lastSent;
    }

    /** Sequence numbers up to {@code last} the broker refused: no subscriber can get them. */
    long nackedUpTo(long last, SequenceTracker got) {
        long n = 0;
        synchronized (nacked) {
            for (int i = nacked.nextSetBit(0); i >= 0 && i <= last; i = nacked.nextSetBit(i + 1)) {
                if (!got.has(i)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Messages sent and neither ACKed nor NACKed yet. */
    long outstanding() {
        return lastSent + 1 - acked.sum() - nackedCount.sum();
    }

    /** The publish section: {@code lastSeq} the last sequence number sent, {@code seconds} the window's length. */
    void putPublish(Report report, double offeredRate, double seconds, long lastSeq) {
        Map<String, Object> pub = report.section("publish");
        pub.put("offeredRate", offeredRate);
        pub.put("achievedRate", Ratios.rate(sentInWindow.sum(), seconds));
        pub.put("published", lastSeq + 1);
        pub.put("acked", acked.sum());
        pub.put("nacked", nackedCount.sum());
        pub.put("unacknowledged", outstanding());
        pub.put("skippedBackpressure", skippedInWindow.sum());
    }
}
