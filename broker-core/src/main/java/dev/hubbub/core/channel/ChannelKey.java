package dev.hubbub.core.channel;

/** A channel is named within an app: apps never see each other's channels. */
public record ChannelKey(String appId, String name) {}
