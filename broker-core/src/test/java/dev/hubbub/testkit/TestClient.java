package dev.hubbub.testkit;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.Session;

/** A connection made with {@link TestCore#connect}: its session, and the transport that recorded what it was sent. */
public record TestClient(Session session, RecordingTransport out) {
    public String id() { return session.connectionId(); }

    /** The CONNECTED frame it was sent first. */
    public ProtocolMessage connected() { return out.frames(Action.CONNECTED).get(0); }

    /** The connectionKey of its CONNECTED: what a client resumes or recovers with. */
    public String key() { return connected().connectionDetails().connectionKey(); }

    /** As if the client sent {@code m}. */
    public void send(ProtocolMessage m) { session.handle(m); }
}
