package dev.hubbub.server.config;

/** A configuration problem; its message names the file, the setting and, where known, the line. */
public final class ConfigException extends Exception {
    public ConfigException(String message) { super(message); }
}
