/**
 * Presence: who is on a channel, and the enter / update / leave / SYNC flows (Ably RTP*).
 *
 * <ul>
 *   <li>{@link dev.hubbub.core.presence.PresenceService}: the entry point, held by the Broker; one per broker.</li>
 *   <li>{@code PresenceSet}: one channel's members keyed by (connectionId, clientId).</li>
 *   <li>{@code PresenceSets}: the node's sets, each used under its lock and retired once empty.</li>
 *   <li>{@code SyncPager}: cuts a snapshot into bounded SYNC pages.</li>
 *   <li>{@code PersonView}: a set as {@code presenceBy=clientId} subscriptions see it, one member per clientId.</li>
 *   <li>{@link dev.hubbub.core.presence.PresenceTimers}: the grace-period timer seam (tests run due tasks by hand).</li>
 * </ul>
 *
 * <p>Threading: sessions call in from their own event loops and the timer thread calls
 * {@code expire}. Each channel's set is guarded by its own lock; a change, and the enqueueing of the
 * frames it causes, happen under that lock so all recipients see the same order. Code running under
 * a set lock never takes another set's lock, and deliveries must not call back into presence
 * synchronously (Netty defers {@code channelInactive}, so a failed write cannot re-enter).
 */
package dev.hubbub.core.presence;
