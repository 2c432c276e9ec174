package dev.hubbub.bench.report;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts of failures keyed by error code ("40160", "timeout", ...); safe from any thread. */
public final class ErrorCounts {
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String> messages = new ConcurrentHashMap<>();

    public void add(String code) {
        add(code, 1);
    }

    public void add(String code, long n) {
        counts.computeIfAbsent(code == null ? "unknown" : code, k -> new LongAdder()).add(n);
    }

    /** Counts {@code n} under {@code code} and keeps the first message seen for it. */
    public void add(String code, long n, String message) {
        add(code, n);
        if (message != null && !message.isEmpty()) {
            messages.putIfAbsent(code == null ? "unknown" : code, message);
        }
    }

    /** One count of all of {@code parts}: the counts added up, the first message per code kept. */
    public static ErrorCounts merged(ErrorCounts... parts) {
        ErrorCounts m = new ErrorCounts();
        for (ErrorCounts e : parts) {
            Map<String, Object> messages = e.messages();
            e.snapshot().forEach((k, v) -> m.add(k, v, (String) messages.get(k)));
        }
        return m;
    }

    /** The first message seen per code, sorted. */
    public Map<String, Object> messages() {
        return new TreeMap<>(messages);
    }

    public long total() {
        long t = 0;
        for (LongAdder a : counts.values()) {
            t += a.sum();
        }
        return t;
    }

    /** A sorted copy. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** "40160 x3, timeout x1", or "none". */
    public String describe() {
        Map<String, Long> s = snapshot();
        if (s.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        s.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(" x").append(v));
        return b.toString();
    }
}
