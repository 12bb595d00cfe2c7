import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import {
  assertValidKey,
  assertValidPrefix,
  assertValidPut,
  type BackupStorage,
  measureBody,
  StorageUnavailableError,
  type StoredObject,
} from './backup-storage.ts';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** For S3-compatible stores (MinIO, Ceph, R2…), e.g. `https://minio.internal:9000`. */
  endpoint?: string | undefined;
  /** `https://host/bucket/key` instead of `https://bucket.host/key`; most S3-compatible stores want it. */
  forcePathStyle?: boolean | undefined;
  /** Both or neither; without them the SDK's default chain (environment, profile, instance role) applies. */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** Prepended to every key (a `/` is added), to share a bucket: `muster` → `muster/{org}/{system}/…`. */
  prefix?: string | undefined;
}

/**
 * Multipart upload tuning. Memory per upload is bounded by about (queue size + 2) × part size:
 * the parts in flight, the part being filled and a concatenation copy. 5 MiB (S3's minimum) × 10,000 parts
 * allows objects of 48 GiB, far above the backup limit.
 */
export const S3_PART_SIZE = 5 * 1024 * 1024;
export const S3_QUEUE_SIZE = 2;
const HEALTH_TIMEOUT_MS = 5_000;

/**
 * Backups in an S3 bucket. Object key = prefix + key.
 *
 * Metadata: the caller's metadata (e.g. `filename`, `uploader-ip`) and the computed `sha256` are
 * stored as `x-amz-meta-*` headers, with the content type. The digest is only known after the
 * last byte, so the upload carries the caller's metadata and a server-side CopyObject of the
 * object onto itself (MetadataDirective REPLACE; no bytes pass through Muster) adds `sha256`,
 * as the platform Muster replaces did. A HEAD then confirms size and digest. CopyObject is
 * limited to 5 GiB objects, above the backup limit.
 *
 * Failures: a body or size error stops the stream; lib-storage then never sends the final
 * PutObject/CompleteMultipartUpload and aborts the multipart upload. A store error on any part
 * stops the stream too (instead of uploading the rest of the body to a failing store). When the
 * final request or the metadata copy may have landed, the object is deleted.
 *
 * Request checksums are only sent where S3 requires them (`WHEN_REQUIRED`): many S3-compatible
 * stores reject the SDK's default CRC32 trailers, and the sha256 computed here is the integrity
 * check that matters. Configure an AbortIncompleteMultipartUpload lifecycle rule on the bucket
 * for uploads cut short by a crash.
 */
export function createS3Storage(options: S3StorageOptions): BackupStorage {
  const { bucket } = options;
  const keyPrefix = normalizePrefix(options.prefix);
  if (Boolean(options.accessKeyId) !== Boolean(options.secretAccessKey)) {
    throw new TypeError('S3 accessKeyId and secretAccessKey must be given together');
  }
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // requestTimeout is socket inactivity: a store that stops answering fails instead of hanging.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
  });
  const objectKey = (key: string) => {
    assertValidKey(key);
    return keyPrefix + key;
  };

  return {
    kind: 's3',

    async put(key, body, putOptions): Promise<StoredObject> {
      assertValidPut(key, putOptions);
      const Key = objectKey(key);
      const { measured, release } = measureBody(body, putOptions);
      // The first failure decides the outcome; later ones (an abort that fails too) are noise.
      let failure: { from: 'stream' | 'store'; error: unknown } | undefined;
      measured.on('error', (error) => (failure ??= { from: 'stream', error }));
      const uploadClient = withFailureHook(client, (error) => {
        failure ??= { from: 'store', error };
        measured.destroy(new StorageUnavailableError('S3 request failed', { cause: error }));
      });
      try {
        const upload = new Upload({
          client: uploadClient,
          params: { Bucket: bucket, Key, Body: measured, ContentType: putOptions.contentType, Metadata: putOptions.metadata },
          partSize: S3_PART_SIZE,
          queueSize: S3_QUEUE_SIZE,
          leavePartsOnError: false,
        });
        await upload.done();
        const stored = measured.result();
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key,
            CopySource: `${bucket}/${Key.split('/').map(encodeURIComponent).join('/')}`,
            MetadataDirective: 'REPLACE',
            ContentType: putOptions.contentType,
            Metadata: { ...putOptions.metadata, sha256: stored.sha256 },
          }),
        );
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        if (head.ContentLength !== stored.size || head.Metadata?.sha256 !== stored.sha256) {
          throw new Error(`stored object has size ${head.ContentLength} and sha256 ${head.Metadata?.sha256}, expected ${stored.size} and ${stored.sha256}`);
        }
        return stored;
      } catch (error) {
        failure ??= { from: 'store', error };
        if (failure.from === 'stream') throw failure.error;
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => {});
        throw unavailable(`cannot store backup ${key}`, failure.error);
      } finally {
        release();
      }
    },

    async get(key) {
      const Key = objectKey(key);
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
        if (!(response.Body instanceof Readable)) throw new Error('GetObject returned no Node.js stream');
        return { stream: response.Body, size: response.ContentLength ?? 0 };
      } catch (error) {
        if (isNotFound(error)) return null;
        throw unavailable(`cannot fetch backup ${key}`, error);
      }
    },

    async exists(key) {
      const Key = objectKey(key);
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw unavailable(`cannot check backup ${key}`, error);
      }
    },

    async delete(key) {
      const Key = objectKey(key);
      try {
        // S3 answers 204 for a missing key as well.
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (error) {
        if (isNotFound(error)) return;
        throw unavailable(`cannot delete backup ${key}`, error);
      }
    },

    async usage(prefix) {
      assertValidPrefix(prefix);
      const total = { bytes: 0, count: 0 };
      try {
        for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: keyPrefix + prefix })) {
          for (const object of page.Contents ?? []) {
            total.bytes += object.Size ?? 0;
            total.count += 1;
          }
        }
      } catch (error) {
        throw unavailable(`cannot list backups under ${prefix}`, error);
      }
      return total;
    },

    async healthy() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
        return true;
      } catch {
        return false;
      }
    },
  };
}

/** `/a/b/` → `a/b/`; empty stays empty. */
function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  assertValidPrefix(trimmed);
  return `${trimmed}/`;
}

/**
 * The client as lib-storage sees it, with every failed request reported to onFailure. Upload
 * keeps reading the body after a part fails (its other workers go on until the body ends); the
 * hook lets put stop the stream at the first failure. Everything but `send` is the real client.
 */
function withFailureHook(client: S3Client, onFailure: (error: unknown) => void): S3Client {
  const send = client.send.bind(client) as (command: unknown, options?: unknown) => Promise<unknown>;
  const hooked = Object.create(client) as S3Client;
  Object.defineProperty(hooked, 'send', {
    value: (command: unknown, options?: unknown) =>
      send(command, options).catch((error: unknown) => {
        onFailure(error);
        throw error;
      }),
  });
  return hooked;
}

/** A missing key; a missing bucket is a configuration fault, not an absent object (HEAD cannot tell them apart). */
function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error) || error.name === 'NoSuchBucket') return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound';
}

function unavailable(message: string, error: unknown): StorageUnavailableError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new StorageUnavailableError(`${message}: ${detail}`, { cause: error });
}
