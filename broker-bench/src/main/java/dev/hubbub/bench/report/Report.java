package dev.hubbub.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A run's summary: ordered sections of named figures, printed for people and written as JSON
 * ({@code --json FILE}) with the same names.
 */
public final class Report {
    private final Map<String, Object> root = new LinkedHashMap<>();

    public Report(String scenario) {
        root.put("scenario", scenario);
    }

    /** The named section, created on first use. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> section(String name) {
        return (Map<String, Object>) root.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>());
    }

    public Report put(String key, Object value) {
        root.put(key, value);
        return this;
    }

    /** Adds counts by code under {@code name}, and the first message per code under {@code name + "Messages"}. */
    public void putErrors(String name, ErrorCounts errors) {
        section(name).putAll(errors.snapshot());
        Map<String, Object> messages = errors.messages();
        if (!messages.isEmpty()) {
            section(name + "Messages").putAll(messages);
        }
    }

    public Map<String, Object> asMap() {
        return root;
    }

    public void writeJson(Path file) throws IOException {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        m.writeValue(file.toFile(), root);
    }

    public String toText() {
        StringBuilder b = new StringBuilder();
        b.append("== broker-bench ").append(root.get("scenario")).append(" ==\n");
        root.forEach((k, v) -> {
            if (!k.equals("scenario") && !k.equals("result")) {
                render(b, k, v, 0);
            }
        });
        if (root.containsKey("result")) {
            render(b, "result", root.get("result"), 0);
        }
        return b.toString();
    }

    private static void render(StringBuilder b, String key, Object value, int depth) {
        String indent = "  ".repeat(depth);
        if (value instanceof Map<?, ?> m) {
            b.append(indent).append(key).append(':');
            if (m.isEmpty()) {
                b.append(" none\n");
                return;
            }
            b.append('\n');
            m.forEach((k, v) -> render(b, String.valueOf(k), v, depth + 1));
            return;
        }
        if (value instanceof java.util.List<?> list && !list.isEmpty() && list.get(0) instanceof Map) {
            for (int i = 0; i < list.size(); i++) {
                render(b, key + "[" + i + "]", list.get(i), depth);
            }
            return;
        }
        b.append(indent).append(String.format("%-26s", key)).append(' ').append(format(value)).append('\n');
    }

    static String format(Object v) {
        if (v == null) {
            return "n/a";
        }
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return "n/a";
            }
            double a = Math.abs(d);
            String s = a >= 1000 ? String.format(Locale.ROOT, "%,.0f", d)
                    : a >= 10 ? String.format(Locale.ROOT, "%.1f", d)
                    : a >= 1 ? String.format(Locale.ROOT, "%.2f", d)
                    : String.format(Locale.ROOT, "%.4f", d);
            return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }
        if (v instanceof Long || v instanceof Integer) {
            return String.format(Locale.ROOT, "%,d", ((Number) v).longValue());
        }
        return String.valueOf(v);
    }
}
