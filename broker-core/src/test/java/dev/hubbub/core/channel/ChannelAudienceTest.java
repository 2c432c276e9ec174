package dev.hubbub.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.outbound.FanOutPort;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.RecordingTransport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who receives what on one channel: messages by SUBSCRIBE (and echo), presence by PRESENCE_SUBSCRIBE or ownership. */
class ChannelAudienceTest {
    private static final int SUB = Flags.MODE_SUBSCRIBE;
    private static final int PRESENCE_SUB = Flags.MODE_PRESENCE_SUBSCRIBE;

    static final class Recorder implements Subscriber {
        final String id;
        final boolean echo;
        final RecordingTransport out = new RecordingTransport();

        Recorder(String id, boolean echo) {
            this.id = id;
            this.echo = echo;
        }

        @Override
        public String connectionId() { return id; }

        @Override
        public boolean echoes() { return echo; }

        @Override
        public Transport outbound() { return out; }

        List<ProtocolMessage> got() { return out.frames(); }
    }

    private final ChannelRouter router = new ChannelRouter(FanOutPort.DIRECT);
    private final ChannelKey key = new ChannelKey("app", "room");

    private static ProtocolMessage presenceFrame() {
        return ProtocolMessage.heartbeat("presence-stand-in");
    }

    @Test
    void presenceGoesToPresenceSubscribersAndAlwaysToItsOwnerOnly() {
        Recorder watcher = new Recorder("watcher", true);
        Recorder owner = new Recorder("owner", true);
        Recorder bystander = new Recorder("bystander", true);
        router.attach(key, watcher, SUB | PRESENCE_SUB);
        router.attach(key, owner, SUB);
        Channel channel = router.attach(key, bystander, SUB);

        channel.fanOutPresence(presenceFrame(), "owner");
        assertEquals(1, watcher.got().size());
        assertEquals(1, owner.got().size(), "the owner sees its own members' events without presence modes");
        assertTrue(bystander.got().isEmpty());

        channel.fanOutPresence(presenceFrame(), "watcher");
        assertEquals(2, watcher.got().size(), "an owner that subscribes to presence gets the event once");
        assertEquals(1, owner.got().size());

        channel.fanOutPresence(presenceFrame(), "gone-connection");
        assertEquals(3, watcher.got().size());
        assertEquals(1, owner.got().size());
        assertTrue(bystander.got().isEmpty());
    }

    @Test
    void reattachWithOtherModesAndDetachChangeThePresenceAudience() {
        Recorder a = new Recorder("a", true);
        Recorder b = new Recorder("b", true);
        router.attach(key, a, SUB | PRESENCE_SUB);
        Channel channel = router.attach(key, b, SUB | PRESENCE_SUB);

        router.attach(key, a, SUB); // re-attach without presence
        channel.fanOutPresence(presenceFrame(), null);
        assertTrue(a.got().isEmpty());
        assertEquals(1, b.got().size());

        router.attach(key, a, PRESENCE_SUB); // and back, without message modes
        channel.fanOutPresence(presenceFrame(), null);
        assertEquals(1, a.got().size());
        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "x:0", "x", 1L, null, List.of(Message.of("n", "d"))), "x");
        assertEquals(1, a.got().size(), "no SUBSCRIBE mode: no messages");
        assertEquals(3, b.got().size());

        router.detach(key, b);
        channel.fanOutPresence(presenceFrame(), "b");
        assertEquals(2, a.got().size());
        assertEquals(3, b.got().size(), "a detached owner gets nothing");
        assertEquals(1, channel.subscriberCount());
    }
}
