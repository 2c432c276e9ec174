package dev.hubbub.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A Lua script shipped with the node (a resource beside this class) after the functions every
 * script shares ({@code common.lua}), without comment lines (they are sent with every call).
 */
record Script(String source) {
    static Script load(String resource) {
        return new Script(code("common.lua") + code(resource));
    }

    private static String code(String resource) {
        try (InputStream in = Script.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + resource);
            }
            StringBuilder code = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("--")) {
                    code.append(trimmed).append('\n');
                }
            }
            return code.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
