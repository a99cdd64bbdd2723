import { DescribeAlarmsCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";

/** One CloudWatch alarm's state, as the watch and `noveli status` show it. */
export interface AlarmState {
  name: string;
  state: "OK" | "ALARM" | "INSUFFICIENT_DATA";
  /** CloudWatch's own explanation of the state (the evidence of a rollback). */
  reason: string;
  updatedAt: string | null;
}

export interface AlarmStates {
  alarms: AlarmState[];
  /** Names from the Terraform outputs that CloudWatch does not know. */
  missing: string[];
}

/** DescribeAlarms accepts at most 100 names per call. */
const NAMES_PER_CALL = 100;

/** The states of the named alarms (metric and composite). */
export async function describeAlarmStates(client: CloudWatchClient, names: readonly string[], signal?: AbortSignal): Promise<AlarmStates> {
  const alarms: AlarmState[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const batch = names.slice(i, i + NAMES_PER_CALL);
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new DescribeAlarmsCommand({ AlarmNames: batch, AlarmTypes: ["MetricAlarm", "CompositeAlarm"], NextToken: nextToken }),
        signal ? { abortSignal: signal } : {},
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (!alarm.AlarmName) continue;
        alarms.push({
          name: alarm.AlarmName,
          state: (alarm.StateValue ?? "INSUFFICIENT_DATA") as AlarmState["state"],
          reason: alarm.StateReason ?? "",
          updatedAt: alarm.StateUpdatedTimestamp ? alarm.StateUpdatedTimestamp.toISOString() : null,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  const found = new Set(alarms.map((a) => a.name));
  return { alarms, missing: names.filter((name) => !found.has(name)) };
}
