package dev.hubbub.core.history;

/**
 * How much history the in-memory log keeps. A message is kept while it is younger than
 * {@code maxAgeMillis} or among the newest {@code minMessages} of its channel, whichever keeps
 * more, but never past the byte bounds: a channel over {@code maxBytesPerChannel}, or all channels
 * together over {@code maxBytesTotal}, lose their oldest messages first. Ids of published messages
 * are remembered for {@code dedupeWindowMillis}, however the messages themselves fare.
 */
public record Retention(long maxAgeMillis, int minMessages, long maxBytesPerChannel, long maxBytesTotal,
                        long dedupeWindowMillis) {
    public Retention {
        if (maxAgeMillis < 0 || minMessages < 0 || maxBytesPerChannel < 1 || maxBytesTotal < maxBytesPerChannel
                || dedupeWindowMillis < 0) {
            throw new IllegalArgumentException("retention bounds: ages and counts >= 0, 1 <= maxBytesPerChannel <= maxBytesTotal");
        }
    }

    /** 2 minutes and at least 100 messages per channel, at most 1 MiB per channel and 256 MiB in all; ids for 2 minutes. */
    public static Retention defaults() {
        return new Retention(120_000, 100, 1L << 20, 256L << 20, 120_000);
    }
}
