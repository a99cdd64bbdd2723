import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type LifecycleRule,
  type PublicAccessBlockConfiguration,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";

export { S3Client };

/**
 * The S3 calls noveli makes, one small named function each: the state bucket's settings (for
 * `noveli bootstrap`) and reading the environment's Terraform state object. No decisions here.
 */

const opts = (signal?: AbortSignal) => (signal ? { abortSignal: signal } : {});

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "";
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** HeadBucket: ours (200), missing (404), or someone else's / not allowed (403). */
export async function headBucket(client: S3Client, bucket: string, signal?: AbortSignal): Promise<"exists" | "missing" | "forbidden"> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), opts(signal));
    return "exists";
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404 || errorName(error) === "NotFound" || errorName(error) === "NoSuchBucket") return "missing";
    if (status === 403 || errorName(error) === "Forbidden") return "forbidden";
    throw error;
  }
}

export async function createBucket(client: S3Client, bucket: string, region: string, signal?: AbortSignal): Promise<void> {
  // us-east-1 is the one region that takes no LocationConstraint.
  await client.send(
    new CreateBucketCommand({ Bucket: bucket, ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }) }),
    opts(signal),
  );
}

export async function getBucketVersioning(client: S3Client, bucket: string, signal?: AbortSignal): Promise<string | undefined> {
  const out = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }), opts(signal));
  return out.Status;
}

export async function enableBucketVersioning(client: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }), opts(signal));
}

/** The default encryption rules; [] when none is configured. */
export async function getBucketEncryption(client: S3Client, bucket: string, signal?: AbortSignal): Promise<ServerSideEncryptionRule[]> {
  try {
    const out = await client.send(new GetBucketEncryptionCommand({ Bucket: bucket }), opts(signal));
    return out.ServerSideEncryptionConfiguration?.Rules ?? [];
  } catch (error) {
    if (errorName(error) === "ServerSideEncryptionConfigurationNotFoundError") return [];
    throw error;
  }
}

export async function putBucketEncryption(client: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  await client.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true }] },
    }),
    opts(signal),
  );
}

/** The public access block; undefined when none is set. */
export async function getPublicAccessBlock(client: S3Client, bucket: string, signal?: AbortSignal): Promise<PublicAccessBlockConfiguration | undefined> {
  try {
    const out = await client.send(new GetPublicAccessBlockCommand({ Bucket: bucket }), opts(signal));
    return out.PublicAccessBlockConfiguration;
  } catch (error) {
    if (errorName(error) === "NoSuchPublicAccessBlockConfiguration") return undefined;
    throw error;
  }
}

export async function blockAllPublicAccess(client: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  await client.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
    opts(signal),
  );
}

/** The bucket policy document as text; undefined when the bucket has none. */
export async function getBucketPolicy(client: S3Client, bucket: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const out = await client.send(new GetBucketPolicyCommand({ Bucket: bucket }), opts(signal));
    return out.Policy;
  } catch (error) {
    if (errorName(error) === "NoSuchBucketPolicy") return undefined;
    throw error;
  }
}

export async function putBucketPolicy(client: S3Client, bucket: string, policy: string, signal?: AbortSignal): Promise<void> {
  await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }), opts(signal));
}

/** The lifecycle rules; [] when none is configured. */
export async function getBucketLifecycleRules(client: S3Client, bucket: string, signal?: AbortSignal): Promise<LifecycleRule[]> {
  try {
    const out = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }), opts(signal));
    return out.Rules ?? [];
  } catch (error) {
    if (errorName(error) === "NoSuchLifecycleConfiguration") return [];
    throw error;
  }
}

export async function putBucketLifecycleRules(client: S3Client, bucket: string, rules: LifecycleRule[], signal?: AbortSignal): Promise<void> {
  await client.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }), opts(signal));
}

/** An object's body as text; undefined when the key (or the bucket) does not exist. */
export async function getObjectText(client: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), opts(signal));
    return out.Body ? await out.Body.transformToString("utf8") : undefined;
  } catch (error) {
    if (errorName(error) === "NoSuchKey" || errorName(error) === "NoSuchBucket" || httpStatus(error) === 404) return undefined;
    throw error;
  }
}

/**
 * The first `bytes` bytes of an object as text (a ranged GET), and whether that is the whole
 * object; undefined when the key (or the bucket) does not exist. A server that ignores the range
 * answers with the whole object, which is then complete too.
 */
export async function getObjectTextStart(client: S3Client, bucket: string, key: string, bytes: number, signal?: AbortSignal): Promise<{ text: string; complete: boolean } | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${bytes - 1}` }), opts(signal));
    const text = out.Body ? await out.Body.transformToString("utf8") : "";
    // "bytes 0-65535/195941": the object's whole size after the slash.
    const size = out.ContentRange ? Number(out.ContentRange.split("/")[1]) : Number.NaN;
    return { text, complete: out.ContentRange === undefined || (Number.isFinite(size) && size <= bytes) };
  } catch (error) {
    if (errorName(error) === "NoSuchKey" || errorName(error) === "NoSuchBucket" || httpStatus(error) === 404) return undefined;
    // An empty object has no byte 0: S3 refuses the range.
    if (errorName(error) === "InvalidRange" || httpStatus(error) === 416) return { text: "", complete: true };
    throw error;
  }
}

export async function putObjectText(client: S3Client, bucket: string, key: string, body: string, signal?: AbortSignal): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json", ServerSideEncryption: "AES256" }), opts(signal));
}

export async function putObjectBytes(client: S3Client, bucket: string, key: string, body: Uint8Array, signal?: AbortSignal): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/zip", ServerSideEncryption: "AES256" }), opts(signal));
}

/** An object's bytes; undefined when the key does not exist. */
export async function getObjectBytes(client: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), opts(signal));
    return out.Body ? await out.Body.transformToByteArray() : undefined;
  } catch (error) {
    if (errorName(error) === "NoSuchKey" || httpStatus(error) === 404) return undefined;
    throw error;
  }
}
