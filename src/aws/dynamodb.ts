import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** The items of a table whose string hash key starts with `prefix`: their keys and the listed attributes, every page. */
export async function scanItemsWithKeyPrefix(
  client: DynamoDBClient,
  request: { tableName: string; hashKey: string; rangeKey: string | null; prefix: string; attributes: string[]; signal?: AbortSignal },
): Promise<Record<string, AttributeValue>[]> {
  const names: Record<string, string> = { "#h": request.hashKey };
  if (request.rangeKey) names["#r"] = request.rangeKey;
  request.attributes.forEach((attribute, i) => (names[`#a${i}`] = attribute));
  const projection = Object.keys(names).join(", ");
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: request.tableName,
        FilterExpression: "begins_with(#h, :prefix)",
        ProjectionExpression: projection,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ":prefix": { S: request.prefix } },
        ExclusiveStartKey: start,
      }),
      request.signal ? { abortSignal: request.signal } : {},
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
