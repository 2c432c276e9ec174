/**
 * Many hubbub nodes sharing channels, presence, history and tokens through Redis. Channels are
 * spread over the listed Redis servers by a hash of app and channel name; every node, the
 * publisher's own included, delivers a channel's messages from the same ordered source.
 */
package dev.hubbub.cluster;
