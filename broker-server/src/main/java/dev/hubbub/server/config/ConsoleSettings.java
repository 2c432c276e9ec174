package dev.hubbub.server.config;

import java.util.Locale;

/**
 * The {@code console} section: whether the listener serves the web console ({@code /console}).
 *
 * <pre>
 * console:
 *   enabled: true   # default: on when server.host is a loopback address, off otherwise
 * </pre>
 *
 * The console is static files (a page that uses the ably-js SDK and the public REST API, as any
 * app would); it adds no endpoint that reads or changes the broker's state. It is off by default
 * on a listener others can reach only so that a broker on a public address does not advertise a
 * tool nobody asked for; an explicit setting wins either way.
 *
 * @param enabled what the file says, or null when it says nothing (then the listener's host decides)
 */
public record ConsoleSettings(Boolean enabled) {
    public static final ConsoleSettings DEFAULTS = new ConsoleSettings(null);

    /** Whether a listener bound to {@code host} serves the console. */
    public boolean servedOn(String host) {
        return enabled != null ? enabled : isLoopback(host);
    }

    /**
     * Whether {@code host} names only this machine: {@code localhost}, 127.0.0.0/8 or ::1, as
     * written (no name is looked up: an address that resolves elsewhere is not loopback).
     */
    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        return h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /** The section as written. */
    record Shape(Boolean enabled) {}

    static ConsoleSettings parse(Shape s) {
        return s == null || s.enabled() == null ? DEFAULTS : new ConsoleSettings(s.enabled());
    }
}
