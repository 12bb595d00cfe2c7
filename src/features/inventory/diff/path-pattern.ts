import { parseFieldPath, type PathSegment } from './field-path.ts';

/**
 * Glob patterns over field paths, written in the path grammar (field-path.ts):
 *
 *   os.version               exactly that path
 *   services.*.version       `*` as a whole segment: any one segment, key or array element
 *   **.uptime*               `**` as a whole segment: any number of segments, none included
 *   network.interfaces.**    so this matches `network.interfaces` and everything below it
 *   modules[*]               any one array element (but not an object key)
 *   modules[id=mail*]        `*` inside a segment: any run of characters within that segment
 *   ["eth0.10"]              a quoted key, as in paths
 *
 * Key patterns match key segments only and element patterns element segments only (the text
 * between the brackets as written: `0`, `id=mail1`, `=8.8.8.8`). Matching is case-sensitive;
 * `*` is always a wildcard.
 */

type SegmentMatcher = { kind: 'globstar' } | { kind: 'any' } | { kind: 'key' | 'element'; test: (text: string) => boolean };

type Chunk = readonly SegmentMatcher[];

/**
 * A pattern is compiled to the runs of fixed segments between its globstars: `a.**.b.c.**.d`
 * is [a], [b, c], [d]. The first run must match at the start, the last at the end, and each
 * run between at its leftmost place after the previous one, which decides a match in one pass
 * (no backtracking), as for `*` in ordinary wildcard matching.
 */
export interface PathPattern {
  readonly source: string;
  readonly chunks: readonly Chunk[];
  /** True when the pattern has no globstar: one chunk that must cover the whole path. */
  readonly exact: boolean;
  /** Fewest segments a matching path has. */
  readonly minLength: number;
}

/** Throws a SyntaxError when the pattern does not follow the path grammar. */
export function compilePathPattern(source: string): PathPattern {
  if (source === '') throw new SyntaxError('a path pattern cannot be empty');
  const chunks: SegmentMatcher[][] = [[]];
  for (const matcher of parseFieldPath(source).map(toMatcher)) {
    if (matcher.kind === 'globstar') chunks.push([]);
    else chunks[chunks.length - 1]!.push(matcher);
  }
  return { source, chunks, exact: chunks.length === 1, minLength: chunks.reduce((sum, chunk) => sum + chunk.length, 0) };
}

export function matchesPathPattern(pattern: PathPattern, segments: readonly PathSegment[]): boolean {
  const { chunks } = pattern;
  if (pattern.exact) return segments.length === pattern.minLength && chunkMatchesAt(chunks[0]!, segments, 0);
  if (segments.length < pattern.minLength) return false;
  const first = chunks[0]!;
  const last = chunks[chunks.length - 1]!;
  if (!chunkMatchesAt(first, segments, 0) || !chunkMatchesAt(last, segments, segments.length - last.length)) return false;
  let from = first.length;
  const end = segments.length - last.length;
  for (let index = 1; index < chunks.length - 1; index++) {
    const chunk = chunks[index]!;
    let at = from;
    while (at + chunk.length <= end && !chunkMatchesAt(chunk, segments, at)) at++;
    if (at + chunk.length > end) return false;
    from = at + chunk.length;
  }
  return true;
}

function toMatcher(segment: PathSegment): SegmentMatcher {
  const text = segment.kind === 'key' ? segment.key : segment.text;
  if (segment.kind === 'key' && text === '**') return { kind: 'globstar' };
  if (segment.kind === 'key' && text === '*') return { kind: 'any' };
  return { kind: segment.kind, test: globTest(text) };
}

/** A test for one segment's text; the common shapes avoid a regular expression. */
function globTest(glob: string): (text: string) => boolean {
  const parts = glob.split('*');
  if (parts.length === 1) return (text) => text === glob;
  const [first, second] = parts as [string, string];
  if (parts.length === 2) return (text) => text.length >= first.length + second.length && text.startsWith(first) && text.endsWith(second);
  if (parts.length === 3 && first === '' && parts[2] === '') return (text) => text.includes(second);
  const body = parts.map((part) => part.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join('.*');
  const pattern = new RegExp(`^${body}$`, 's');
  return (text) => pattern.test(text);
}

function matchSegment(matcher: SegmentMatcher, segment: PathSegment): boolean {
  if (matcher.kind === 'any') return true;
  if (matcher.kind === 'globstar' || matcher.kind !== segment.kind) return false;
  return matcher.test(segment.kind === 'key' ? segment.key : segment.text);
}

function chunkMatchesAt(chunk: Chunk, segments: readonly PathSegment[], at: number): boolean {
  for (let index = 0; index < chunk.length; index++) {
    if (!matchSegment(chunk[index]!, segments[at + index]!)) return false;
  }
  return true;
}
