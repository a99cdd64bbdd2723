/**
 * Pure: how long ago an instant was, as a person says it ("42 s ago", "5 min ago", "3 h ago",
 * "2 days ago"); "in 5 min" for a clock ahead of this one. JSON output keeps the ISO time.
 */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  const seconds = Math.round((now.getTime() - then) / 1000);
  const magnitude = Math.abs(seconds);
  const span =
    magnitude < 60
      ? `${magnitude} s`
      : magnitude < 3600
        ? `${Math.floor(magnitude / 60)} min`
        : magnitude < 48 * 3600
          ? `${Math.floor(magnitude / 3600)} h`
          : `${Math.floor(magnitude / 86400)} days`;
  if (magnitude < 5) return "just now";
  return seconds >= 0 ? `${span} ago` : `in ${span}`;
}
