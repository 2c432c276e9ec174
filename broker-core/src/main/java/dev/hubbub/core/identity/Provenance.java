package dev.hubbub.core.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceMessage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where a message's or presence event's clientId came from, told to its subscribers: on the
 * channels it is on for (whole apps, or channels of an app by capability-style patterns; off
 * everywhere by default), every message and presence event a client publishes gets three headers
 * in {@code extras.headers}, set by the broker after the identity gate:
 * <ul>
 *   <li>{@value #CLIENT_ID_HEADER}: {@code bound} when the publishing connection is identified as
 *       that clientId (a token for it, or the clientId it gave at connect), {@code asserted} when a
 *       wildcard connection (an API key or a {@code *} token) named it in the message, {@code none}
 *       when the message carries no clientId;</li>
 *   <li>{@value #CREDENTIAL_HEADER}: {@code key}, {@code token} or {@code jwt}, how the publisher
 *       authenticated;</li>
 *   <li>{@value #KEY_HEADER}: the name of the key behind that credential (never a secret).</li>
 * </ul>
 * They are stored with the message, so history keeps them, and presence members keep theirs (a
 * SYNC or a leave tells them again). A client may never set an {@code x-hubbub-} header itself,
 * on any channel ({@link #reservedHeader}): a subscriber could not tell it from the broker's.
 * Immutable and thread-safe.
 */
public final class Provenance {
    /** The header names clients may not use, compared without case. */
    public static final String RESERVED_PREFIX = "x-hubbub-";
    public static final String CLIENT_ID_HEADER = "x-hubbub-clientId-provenance";
    public static final String CREDENTIAL_HEADER = "x-hubbub-credential";
    public static final String KEY_HEADER = "x-hubbub-key";

    /** Nowhere. */
    public static final Provenance OFF = new Provenance(Set.of(), Map.of());

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final Set<String> apps;
    private final Map<String, List<String>> channels;

    /**
     * @param apps     the apps on every channel of which provenance is on
     * @param channels per app, the channel patterns it is on for besides (the syntax of capability
     *                 resources: {@code *} for one {@code :}-separated segment, a trailing {@code *}
     *                 for the rest)
     */
    public Provenance(Set<String> apps, Map<String, List<String>> channels) {
        this.apps = Set.copyOf(apps);
        this.channels = Map.copyOf(channels);
        this.channels.values().forEach(Objects::requireNonNull);
    }

    /** Whether provenance is on for a channel (its base name). */
    public boolean isOn(ChannelKey key) {
        if (apps.contains(key.appId())) {
            return true;
        }
        List<String> patterns = channels.get(key.appId());
        if (patterns == null) {
            return false;
        }
        for (String pattern : patterns) {
            if (Capability.matches(pattern, key.name())) {
                return true;
            }
        }
        return false;
    }

    /** The messages with their provenance headers, when it is on for the channel; else as they are. */
    public Outcome<List<Message>> stampMessages(Principal principal, ChannelKey key, List<Message> messages) {
        if (!isOn(key)) {
            return Outcome.ok(messages);
        }
        List<Message> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Outcome<JsonNode> extras = stamped(m.extras(), principal, m.clientId());
            if (!extras.isOk()) {
                return Outcome.fail(extras.error());
            }
            out.add(new Message(m.id(), m.clientId(), m.connectionId(), m.connectionKey(), m.name(), m.data(), m.encoding(),
                    extras.value(), m.timestamp(), m.action(), m.serial()));
        }
        return Outcome.ok(out);
    }

    /** A presence event with its provenance headers, when it is on for the channel; else as it is. */
    public Outcome<PresenceMessage> stampPresence(Principal principal, ChannelKey key, PresenceMessage p) {
        if (!isOn(key)) {
            return Outcome.ok(p);
        }
        return stamped(p.extras(), principal, p.clientId()).map(extras -> new PresenceMessage(p.id(), p.action(),
                p.clientId(), p.connectionId(), p.data(), p.encoding(), extras, p.timestamp()));
    }

    /**
     * 40000 when {@code extras.headers} holds a header only the broker sets (any name starting with
     * {@value #RESERVED_PREFIX}, in any case), else null. Checked on every channel.
     */
    public static ErrorInfo reservedHeader(JsonNode extras) {
        JsonNode headers = extras == null ? null : extras.get("headers");
        if (headers == null || !headers.isObject()) {
            return null;
        }
        for (Iterator<String> names = headers.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (name.toLowerCase(Locale.ROOT).startsWith(RESERVED_PREFIX)) {
                return ErrorCode.BAD_REQUEST.info("Invalid extras.headers: '" + name + "' is set by the broker;"
                        + " headers starting with '" + RESERVED_PREFIX + "' are reserved");
            }
        }
        return null;
    }

    /** How a clientId on something a connection with {@code identity} published was established. */
    static String how(ClientIdentity identity, String clientId) {
        if (clientId == null) {
            return "none";
        }
        return identity.isIdentified() ? "bound" : "asserted";
    }

    static String credential(Principal.CredentialKind kind) {
        return switch (kind) {
            case BASIC -> "key";
            case TOKEN -> "token";
            case JWT -> "jwt";
        };
    }

    /** A copy of {@code extras} with the headers added; 40000 when extras or its headers is not an object. */
    private static Outcome<JsonNode> stamped(JsonNode extras, Principal principal, String clientId) {
        ObjectNode out;
        if (extras == null || extras.isNull()) {
            out = NODES.objectNode();
        } else if (extras.isObject()) {
            out = ((ObjectNode) extras).deepCopy();
        } else {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "Invalid extras: must be an object on a channel with provenance");
        }
        JsonNode existing = out.get("headers");
        ObjectNode headers;
        if (existing == null || existing.isNull()) {
            headers = out.putObject("headers");
        } else if (existing.isObject()) {
            headers = (ObjectNode) existing;
        } else {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "Invalid extras.headers: must be an object on a channel with provenance");
        }
        headers.put(CLIENT_ID_HEADER, how(principal.identity(), clientId));
        headers.put(CREDENTIAL_HEADER, credential(principal.credentialKind()));
        headers.put(KEY_HEADER, principal.keyName());
        return Outcome.ok(out);
    }
}
