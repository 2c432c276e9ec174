package dev.hubbub.bench.client;

import java.util.Arrays;

/**
 * What the bench needs from one ProtocolMessage the broker sent: the envelope fields, the error
 * (if any) and, for MESSAGE / PRESENCE / SYNC, the payload stamp of each item. Unknown fields are
 * skipped by the decoder, so new broker fields never break the client.
 */
public final class InboundFrame {
    public static final long ABSENT = -1;

    long receivedNanos;
    int action = -1;
    String channel;
    String channelSerial;
    String connectionId;
    String clientId;
    String connectionKey;
    long msgSerial = ABSENT;
    long timestamp = ABSENT;
    int count;
    long flags;
    int errorCode;
    int errorStatus;
    String localKey;
    String errorMessage;
    int items;
    long[] stamps = new long[1];
    long[] sequences = new long[1];
    int[] itemActions = new int[1];

    /** {@link System#nanoTime()} when the frame was decoded (0 for local errors). */
    public long receivedNanos() { return receivedNanos; }
    public int action() { return action; }
    public String channel() { return channel; }
    public String channelSerial() { return channelSerial; }
    public String connectionId() { return connectionId; }
    /** {@code connectionDetails.clientId} of a CONNECTED frame. */
    public String clientId() { return clientId; }
    /** {@code connectionDetails.connectionKey} of a CONNECTED frame: what a resume presents. */
    public String connectionKey() { return connectionKey; }
    public long msgSerial() { return msgSerial; }
    /** The frame's {@code timestamp} (epoch ms; on a delivery, when the broker took the publish), or {@link #ABSENT}. */
    public long timestamp() { return timestamp; }
    public int count() { return count; }
    public long flags() { return flags; }
    public boolean hasError() { return errorCode != 0 || errorMessage != null; }
    public int errorCode() { return errorCode; }
    public int errorStatus() { return errorStatus; }
    public String errorMessage() { return errorMessage; }
    /** Number of entries in {@code messages[]} or {@code presence[]}. */
    public int items() { return items; }
    /** Payload stamp of item {@code i}, or {@link dev.hubbub.bench.run.Payload#NO_STAMP}. */
    public long stamp(int i) { return stamps[i]; }
    /** Sequence number in the payload of item {@code i}, or {@link dev.hubbub.bench.run.Payload#NO_SEQUENCE}. */
    public long sequence(int i) { return sequences[i]; }
    /** Presence action of item {@code i} (-1 for messages or when absent). */
    public int itemAction(int i) { return itemActions[i]; }

    /** A problem found by the client itself (e.g. an undecodable frame), reported under {@code key}. */
    static InboundFrame localError(String key, String message) {
        InboundFrame f = new InboundFrame();
        f.localKey = key;
        f.errorMessage = message;
        return f;
    }

    void addItem(long stamp, long sequence, int itemAction) {
        if (items == stamps.length) {
            stamps = Arrays.copyOf(stamps, items * 2);
            sequences = Arrays.copyOf(sequences, items * 2);
            itemActions = Arrays.copyOf(itemActions, items * 2);
        }
        stamps[items] = stamp;
        sequences[items] = sequence;
        itemActions[items] = itemAction;
        items++;
    }

    /** The error code as a report key: the Ably code, or "status-N" / "error" when only that is known. */
    public String errorKey() {
        if (localKey != null) {
            return localKey;
        }
        if (errorCode != 0) {
            return Integer.toString(errorCode);
        }
        return errorStatus != 0 ? "status-" + errorStatus : "error";
    }

    /** True for the last SYNC page: no channelSerial, or one whose cursor (after the first ':') is empty. */
    public boolean isLastSyncPage() {
        if (channelSerial == null) {
            return true;
        }
        int colon = channelSerial.indexOf(':');
        return colon < 0 || colon == channelSerial.length() - 1;
    }
}
