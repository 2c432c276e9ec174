package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestCore;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one way out: every reason a connection ends maps to one last frame (or none), one metric
 * and the presence consequence, whoever noticed it (client, transport, timer, broker).
 */
class DisconnectsTest {
    private final TestCore core = TestCore.builder().key(new ApiKey("app1.full", "secret1", Capability.ALL))
            .timers((task, delay) -> () -> { }).build();

    private ProtocolMessage farewell(DisconnectReason reason) {
        return core.disconnects.end("conn=test", reason, null);
    }

    @Test
    void eachReasonSaysWhatTheClientIsToldLast() {
        assertEquals(Action.CLOSED, farewell(DisconnectReason.CLIENT_CLOSED).action());
        assertEquals(80003, farewell(DisconnectReason.CLIENT_DISCONNECTED).error().code());
        assertNull(farewell(DisconnectReason.TRANSPORT_LOST), "nobody is there to tell");
        assertNull(farewell(DisconnectReason.IDLE_TIMEOUT));
        ProtocolMessage slow = farewell(DisconnectReason.SLOW_CONSUMER);
        assertEquals(Action.DISCONNECTED, slow.action());
        assertEquals(80020, slow.error().code());
        ProtocolMessage expired = farewell(DisconnectReason.CREDENTIALS_EXPIRED);
        assertEquals(Action.DISCONNECTED, expired.action(), "the SDK renews its token and reconnects");
        assertEquals(40142, expired.error().code());
        assertEquals(Action.DISCONNECTED, farewell(DisconnectReason.INTERNAL_ERROR).action(), "the SDK retries");
    }

    @Test
    void refusedCredentialsAreDisconnectedForTokenErrorsAndFailedOtherwise() {
        ProtocolMessage token = core.disconnects.end("from=x", DisconnectReason.CONNECT_REFUSED, ErrorCode.TOKEN_EXPIRED.info());
        assertEquals(Action.DISCONNECTED, token.action(), "renewable: the SDK gets a new token");
        ProtocolMessage clientId = core.disconnects.end("from=x", DisconnectReason.CONNECT_REFUSED,
                ErrorCode.INCOMPATIBLE_CREDENTIALS.info());
        assertEquals(Action.ERROR, clientId.action(), "40102 is final: the SDK must go FAILED, not retry");
        assertEquals(40102, clientId.error().code());
        assertEquals(Action.ERROR, core.disconnects.end("conn=x", DisconnectReason.REAUTH_REFUSED,
                ErrorCode.INCOMPATIBLE_CREDENTIALS.info()).action());
    }

    @Test
    void everyEndIsCountedByReasonAndTheOldMetersStay() {
        farewell(DisconnectReason.SLOW_CONSUMER);
        core.disconnects.end("from=x", DisconnectReason.CONNECT_REFUSED, ErrorCode.AUTHENTICATION_FAILED.info());
        assertEquals(1, core.count("broker.disconnects", "reason", "slow_consumer"));
        assertEquals(1, core.count("broker.connections.slow"));
        assertEquals(1, core.count("broker.disconnects", "reason", "connect_refused"));
        assertEquals(1, core.count("broker.auth.failed", "code", "40101"));
    }

    private Session connectAndEnter(RecordingTransport t) {
        Session s = core.connector.connect(new ConnectRequest("app1.full:secret1", null, "alice", "json", "2", true, null, null,
                "test"), t);
        s.handle(new ProtocolMessage(Action.ATTACH, null, "room", null, null, null, null, null, null, null, null, null, null,
                null, null, null));
        s.handle(new ProtocolMessage(Action.PRESENCE, null, "room", null, null, null, null, null, null, 0L, null,
                List.of(new PresenceMessage(null, PresenceAction.ENTER, null, null, "hi", null, null, null)), null, null, null,
                null));
        assertEquals(1, core.presence.memberCount(new ChannelKey("app1", "room")));
        return s;
    }

    @Test
    void aSessionEndedByTheBrokerClosesItsTransportWithTheFrameAndItsMembersLeaveAtOnce() {
        RecordingTransport t = new RecordingTransport();
        Session s = connectAndEnter(t);
        s.end(DisconnectReason.SLOW_CONSUMER, null);
        assertTrue(t.isClosed());
        assertEquals(80020, t.closedWith().error().code());
        assertEquals(0, core.presence.memberCount(new ChannelKey("app1", "room")), "no grace: it was dropped, not lost");
        assertEquals(0, core.router.channelCount());
        assertEquals(0, core.metrics.connections());
        s.end(DisconnectReason.TRANSPORT_LOST, null);
        assertEquals(1, core.count("broker.disconnects", "reason", "slow_consumer"));
        assertEquals(0, core.count("broker.disconnects", "reason", "transport_lost"), "ended once");
    }

    @Test
    void aLostTransportKeepsMembersForTheGracePeriod() {
        RecordingTransport t = new RecordingTransport();
        Session s = connectAndEnter(t);
        s.end(DisconnectReason.TRANSPORT_LOST, null);
        assertNull(t.closedWith(), "nothing sent to a socket that is gone");
        assertEquals(1, core.presence.memberCount(new ChannelKey("app1", "room")), "may come back within the grace period");
        assertFalse(DisconnectReason.SLOW_CONSUMER.presenceGrace());
        assertTrue(DisconnectReason.TRANSPORT_LOST.presenceGrace());
    }
}
