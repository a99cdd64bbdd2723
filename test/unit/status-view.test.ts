import { describe, expect, it } from "vitest";
import { relativeTime } from "../../src/output/relative-time.js";
import { eventDestination } from "../../src/ops/traffic/status.js";

describe("relativeTime", () => {
  const now = new Date("2026-12-01T12:00:00.000Z");
  it.each([
    ["2026-12-01T12:00:00.000Z", "just now"],
    ["2026-12-01T11:59:18.000Z", "42 s ago"],
    ["2026-12-01T11:55:00.000Z", "5 min ago"],
    ["2026-12-01T09:00:00.000Z", "3 h ago"],
    ["2026-11-29T11:00:00.000Z", "2 days ago"],
    ["2026-12-01T12:05:00.000Z", "in 5 min"],
    ["not a time", "not a time"],
  ])("%s is %s", (iso, text) => {
    expect(relativeTime(iso, now)).toBe(text);
  });
});

describe("eventDestination", () => {
  const aliasNames = { blue: "blue", green: "green" };
  const arn = (qualifier?: string) => `arn:aws:lambda:us-east-1:123456789012:function:noveli-dev-story${qualifier ? `:${qualifier}` : ""}`;
  it("names the alias and color events go to, and whether that is the live one", () => {
    expect(eventDestination({ rule: "r", targetId: "t", targetArn: arn("green"), aliasNames, liveColor: "green" })).toEqual({ rule: "r", targetId: "t", targetArn: arn("green"), alias: "green", color: "green", followsLive: true });
    expect(eventDestination({ rule: "r", targetId: "t", targetArn: arn("blue"), aliasNames, liveColor: "green" })).toMatchObject({ color: "blue", followsLive: false });
  });
  it("an unqualified function or a foreign ARN has no color and does not follow live", () => {
    expect(eventDestination({ rule: "r", targetId: "t", targetArn: arn(), aliasNames, liveColor: "blue" })).toMatchObject({ alias: null, color: null, followsLive: false });
    expect(eventDestination({ rule: "r", targetId: "t", targetArn: "arn:aws:sqs:us-east-1:1:q", aliasNames, liveColor: "blue" })).toMatchObject({ color: null, followsLive: false });
    expect(eventDestination({ rule: "r", targetId: "t", targetArn: undefined, aliasNames, liveColor: "blue" })).toMatchObject({ targetArn: null, color: null });
  });
});
