/**
 * The stable topic → shard map: every command and HTTP publish for a topic goes to the one shard
 * that owns it. Pure; owns nothing.
 */

/** FNV-1a over the topic name, modulo the shard count */
export function shardIndexOf(topic: string, shards: number): number {
  if (shards === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) {
    h ^= topic.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
