package dev.hubbub.core.session;

import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.outbound.Transport;

/**
 * A connection attached to a channel under a qualified name ({@code [?rewind=1]room}): the
 * channel's frames reach it under that name, through the connection's own transport.
 */
record QualifiedSubscriber(Subscriber connection, String alias) implements Subscriber {
    @Override
    public String connectionId() { return connection.connectionId(); }

    @Override
    public boolean echoes() { return connection.echoes(); }

    @Override
    public Transport outbound() { return connection.outbound(); }
}
