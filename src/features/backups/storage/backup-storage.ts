import { createHash } from 'node:crypto';
import { finished, type Readable, Transform, type TransformCallback } from 'node:stream';

/**
 * Where configuration backups (opaque blobs up to a few GiB) live: files under DATA_DIR or an
 * S3-compatible bucket. Bodies are streamed in both directions, never held whole in memory.
 *
 * Keys are `/`-separated relative paths such as `{org_id}/{system_key}/{uuidv7}.tar.gz`; see
 * `assertValidKey` for the accepted form, which both implementations enforce.
 */
export interface StoredObject {
  size: number;
  /** Lower-case hex. */
  sha256: string;
}

export interface PutOptions {
  /** The byte count announced by the client (Content-Length). */
  expectedSize: number;
  /** The most bytes accepted; more fails with TooLargeError. */
  maxSize: number;
  contentType: string;
  /**
   * Stored with the object (sidecar file or x-amz-meta-*), e.g. `filename`, `uploader-ip`.
   * Names: `[a-z0-9-]`, values: printable ASCII, 2 KiB in all (S3's limit). `sha256` is
   * always the computed digest and overrides a value given here.
   */
  metadata: Record<string, string>;
}

export interface BackupStorage {
  readonly kind: 'filesystem' | 's3';
  /**
   * Streams body to key, computing size and sha256 while streaming. Rejects with
   * SizeMismatchError when the bytes received differ from expectedSize, TooLargeError when they
   * exceed maxSize (at once, without reading, when expectedSize already does), the body's own
   * error when it fails (client disconnect), StorageUnavailableError when the store fails, and
   * InvalidStorageKeyError or TypeError for bad arguments. In every failure case nothing is left
   * at key. The body is never destroyed here: on failure it is unpiped and left to its owner, so
   * an HTTP handler can still answer on the same connection.
   */
  put(key: string, body: NodeJS.ReadableStream | Readable, options: PutOptions): Promise<StoredObject>;
  /** null when absent. The caller must consume or destroy the stream. */
  get(key: string): Promise<{ stream: Readable; size: number } | null>;
  exists(key: string): Promise<boolean>;
  /** Idempotent: deleting a missing key succeeds. */
  delete(key: string): Promise<void>;
  /**
   * Sum of sizes and count of objects whose key starts with prefix (plain string prefix, as in
   * S3: `org1` also matches `org10/…`; pass `${orgId}/` or `${orgId}/${systemKey}/`).
   */
  usage(prefix: string): Promise<{ bytes: number; count: number }>;
  /** Quick availability probe (S3: HeadBucket; filesystem: directory writable). Never rejects. */
  healthy(): Promise<boolean>;
}

/** The body's byte count differs from the announced one (HTTP 400 "upload length mismatch"). */
export class SizeMismatchError extends Error {
  override name = 'SizeMismatchError';
  readonly expectedSize: number;
  /** Bytes seen when the mismatch was detected: a lower bound when the body ran long. */
  readonly receivedSize: number;
  constructor(expectedSize: number, receivedSize: number) {
    super(`upload length mismatch: expected ${expectedSize} bytes, received ${receivedSize}`);
    this.expectedSize = expectedSize;
    this.receivedSize = receivedSize;
  }
}

/** The body is larger than allowed (HTTP 413). */
export class TooLargeError extends Error {
  override name = 'TooLargeError';
  readonly maxSize: number;
  /** Bytes seen (or announced) when the limit was crossed: a lower bound. */
  readonly receivedSize: number;
  constructor(maxSize: number, receivedSize: number) {
    super(`backup exceeds max upload size of ${maxSize} bytes`);
    this.maxSize = maxSize;
    this.receivedSize = receivedSize;
  }
}

/** The store cannot be reached or failed (network, S3 error, disk full); `cause` holds the original. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A key or prefix that is not a safe relative path (a programming error, not a client's). */
export class InvalidStorageKeyError extends Error {
  override name = 'InvalidStorageKeyError';
  constructor(key: string, reason: string) {
    super(`invalid storage key ${JSON.stringify(key.slice(0, 200))}: ${reason}`);
  }
}

const MAX_KEY_LENGTH = 1024;
/** No leading dot: rules out `.` and `..`, and keeps dot-names free for the filesystem store's own files. */
const KEY_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;

/** Keys are relative paths of non-empty segments of `[A-Za-z0-9._-]` (no leading dot), ≤ 1024 chars. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new InvalidStorageKeyError(String(key), 'empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidStorageKeyError(key, `longer than ${MAX_KEY_LENGTH}`);
  for (const segment of key.split('/')) {
    if (!KEY_SEGMENT.test(segment)) {
      throw new InvalidStorageKeyError(
        key,
        'segments must be 1-255 characters of [A-Za-z0-9._-], not starting with a dot (no "..", absolute paths or empty segments)',
      );
    }
  }
}

/** A prefix is empty, or a valid key optionally followed by `/`. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

const METADATA_NAME = /^[a-z0-9][a-z0-9-]{0,127}$/;
const METADATA_VALUE = /^[\x20-\x7e]*$/;
const MAX_METADATA_BYTES = 2048;

/** Throws TypeError unless metadata fits both stores (S3 user metadata: ASCII, 2 KiB in total). */
export function assertValidMetadata(metadata: Record<string, string>): void {
  let total = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!METADATA_NAME.test(name)) throw new TypeError(`metadata name ${JSON.stringify(name)} must match ${METADATA_NAME}`);
    if (typeof value !== 'string' || !METADATA_VALUE.test(value)) {
      throw new TypeError(`metadata ${name} must be printable ASCII`);
    }
    total += name.length + value.length;
  }
  if (total > MAX_METADATA_BYTES) throw new TypeError(`metadata exceeds ${MAX_METADATA_BYTES} bytes`);
}

/**
 * Checks put's arguments before any byte is read; throws TooLargeError when the announced size
 * is already above the limit.
 */
export function assertValidPut(key: string, options: PutOptions): void {
  assertValidKey(key);
  const { expectedSize, maxSize } = options;
  if (!Number.isSafeInteger(expectedSize) || expectedSize < 0) throw new TypeError('expectedSize must be a non-negative integer');
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) throw new TypeError('maxSize must be a non-negative integer');
  assertValidMetadata(options.metadata);
  if (expectedSize > maxSize) throw new TooLargeError(maxSize, expectedSize);
}

/**
 * Passes bytes through while counting and hashing them. Fails with TooLargeError as soon as the
 * count passes maxSize, with SizeMismatchError as soon as it passes expectedSize or, at the end,
 * when it falls short; the error comes before the last byte leaves, so a consumer that only
 * commits after the stream ends never commits a wrong body.
 */
export class MeasuringStream extends Transform {
  readonly #hash = createHash('sha256');
  readonly #expectedSize: number;
  readonly #maxSize: number;
  #bytes = 0;
  #sha256: string | undefined;

  constructor(limits: { expectedSize: number; maxSize: number }) {
    super();
    this.#expectedSize = limits.expectedSize;
    this.#maxSize = limits.maxSize;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#maxSize) {
      callback(new TooLargeError(this.#maxSize, this.#bytes));
      return;
    }
    if (this.#bytes > this.#expectedSize) {
      callback(new SizeMismatchError(this.#expectedSize, this.#bytes));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#bytes !== this.#expectedSize) {
      callback(new SizeMismatchError(this.#expectedSize, this.#bytes));
      return;
    }
    this.#sha256 = this.#hash.digest('hex');
    callback();
  }

  /** Bytes passed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Size and digest; only after the stream has ended successfully. */
  result(): StoredObject {
    if (this.#sha256 === undefined) throw new Error('MeasuringStream has not finished');
    return { size: this.#bytes, sha256: this.#sha256 };
  }
}

const ignoreError = (): void => {};

/**
 * Pipes body into a new MeasuringStream. An error or premature close of the body (a client
 * disconnect) destroys the measuring stream with that error. `release()` ends the link once
 * put has settled: it unpipes the body without destroying it (its owner, e.g. the HTTP server,
 * drains or closes it) and leaves a no-op error listener so a late error cannot crash the process.
 */
export function measureBody(
  body: NodeJS.ReadableStream | Readable,
  limits: { expectedSize: number; maxSize: number },
): { measured: MeasuringStream; release: () => void } {
  const measured = new MeasuringStream(limits);
  // The consumer may attach only later (after an await); until then an error must not go
  // unhandled. Consumers still see it: the stream stays errored and destroyed.
  measured.on('error', ignoreError);
  const source = body as Readable;
  const stopWatching = finished(source, { writable: false }, (error) => {
    if (error) measured.destroy(error);
  });
  source.pipe(measured);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    stopWatching();
    source.on('error', ignoreError);
    source.unpipe(measured);
    if (!measured.destroyed && !measured.readableEnded) measured.destroy();
  };
  return { measured, release };
}
