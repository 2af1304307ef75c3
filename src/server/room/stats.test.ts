import { describe, expect, it } from "vitest";
import { RoomStats } from "./stats";

/** A dataset that keeps what it is given. */
function sink(): AnalyticsEngineDataset & { points: AnalyticsEngineDataPoint[] } {
  const points: AnalyticsEngineDataPoint[] = [];
  return { points, writeDataPoint: (point) => points.push(point ?? {}) };
}

describe("RoomStats", () => {
  it("counts messages, joins and refusals by code, and the messages of the last minute", () => {
    const stats = new RoomStats("r");
    const now = Date.now();
    stats.stored(3, now - 90_000, 10);
    stats.stored(2, now, 10);
    stats.joined(now);
    stats.refused("rate_limited");
    stats.refused("rate_limited");
    expect(stats.counters(now)).toMatchObject({
      messages: 5,
      joins: 1,
      refusals: { rate_limited: 2 },
      messagesPerMinute: 2,
      lastActivity: now,
    });
  });

  it("writes one data point per window with what the window added, and none for a window without activity", () => {
    const dataset = sink();
    const stats = new RoomStats("r", dataset);
    stats.stored(2, Date.now(), 5);
    stats.joined(Date.now());
    stats.refused("banned");
    stats.webhookFailed();
    stats.flush();
    expect(dataset.points).toEqual([{ indexes: ["r"], blobs: ["r"], doubles: [2, 10, 1, 1, 1] }]);
    stats.flush();
    expect(dataset.points).toHaveLength(1);
  });
});
